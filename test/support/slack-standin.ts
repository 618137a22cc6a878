/**
 * A local stand-in for the Slack Web API (and for `response_url`s) used by end-to-end tests and
 * benchmarks. Hand-written on purpose: no maintained library fakes Slack's Web API with its
 * limits (Block Kit sizes, 24-character titles, single-use 3-second trigger ids, view stacks,
 * 5-use response URLs), and those limits are what the product most often breaks. Why and what it
 * checks: docs/decisions/0003-slack-standin.md.
 *
 * Start it, hand `standIn.url` to Bolt as `clientOptions.slackApiUrl`, drive the app with
 * `SlackClient` (./slack-client.ts) and assert on `calls`, `views` and `violations`. Every breach
 * of a limit is answered like Slack does and also pushed to `violations`, so a test can end with
 * `expect(standIn.violations).toEqual([])`.
 *
 * Time: trigger ids (3 s) and response URLs (30 min) use `standIn.now()`, which is the `now`
 * option (default `Date.now`) plus whatever `advanceTime(ms)` added. Prefer `advanceTime` over
 * fake timers: fake timers also stop the polling in `waitFor` and the app's own I/O.
 *
 * Files: slack-standin/server.ts (HTTP, recording, failures, view submissions), views.ts,
 * chat.ts and directory.ts (the Web API methods), limits.ts (the checks), types.ts, wire.ts.
 */
export { SlackStandIn } from "./slack-standin/server.js";
export type { RecordedCall, ViewResponseOutcome } from "./slack-standin/types.js";
