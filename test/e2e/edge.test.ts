import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAppViaSlack, slackSettled } from "../support/flows.js";
import { TEAM, startHarness, type Harness } from "../support/harness.js";

const OWNER = "UEDGEOWN1";
const STRANGER = "UEDGESTR1";
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";
/** Well under Slack's 3 s: what "at once" means for an answer from the edge. */
const FAST_MS = 1000;

type LogLine = { level: number; msg: string; requestId?: string; [k: string]: unknown };

/** The issue's four findings on hostile or odd Slack traffic, one regression test each. */
describe("the Slack edge", () => {
  let h: Harness;
  let publicId: string;
  let viewId: string;
  let logStart = 0;

  beforeAll(async () => {
    h = await startHarness({ logLevel: "debug" });
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Edge ledger" });
    publicId = r.app!.publicId;
    viewId = r.viewId;
    await slackSettled(h);
  });
  afterAll(async () => h?.close());

  const lines = (): LogLine[] => h.logs.slice(logStart).map((l) => JSON.parse(l) as LogLine);
  const errors = () => lines().filter((l) => l.level >= 50);
  const warnings = () => lines().filter((l) => l.level === 40);
  const markLogs = () => {
    logStart = h.logs.length;
  };
  const interaction = (extra: Record<string, unknown>) => ({
    user: { id: STRANGER, username: "s", team_id: TEAM },
    team: { id: TEAM, domain: "t" },
    api_app_id: h.slack.apiAppId,
    token: "verification-token",
    ...extra,
  });
  const envelope = (event: unknown, extra: Record<string, unknown> = {}) => ({
    token: "verification-token",
    team_id: TEAM,
    api_app_id: h.slack.apiAppId,
    type: "event_callback",
    event_id: `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
    ...extra,
  });

  async function stillServes() {
    const help = await h.slack.command("help", { userId: STRANGER });
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.body)).toContain("/apps create");
  }

  it("1. answers 400 to a signed body it cannot use instead of crashing the process", async () => {
    markLogs();
    const bodies: Array<[string, string]> = [
      ["payload=null", FORM],
      ["payload=5", FORM],
      ['payload="text"', FORM],
      ["payload=%5B%5D", FORM],
      ["payload=%7Bbroken", FORM],
      ["null", JSON_TYPE],
      ["[1,2]", JSON_TYPE],
      ["{nope", JSON_TYPE],
    ];
    for (const [raw, type] of bodies) {
      const res = await h.slack.send(raw, type);
      expect(res.status, raw).toBe(400);
      expect(res.ms, raw).toBeLessThan(FAST_MS);
    }
    // Unsigned junk is still refused as unsigned, before anything reads it.
    expect((await h.slack.send("payload=null", FORM, { badSignature: true })).status).toBe(401);
    await stillServes();
    expect(errors()).toEqual([]);
    const refused = warnings().filter((l) => l.msg.includes("cannot be parsed"));
    expect(refused).toHaveLength(bodies.length);
    for (const l of refused) expect(l.requestId).toMatch(/^[0-9a-f]{8}$/);
  });

  it("2. acknowledges app_rate_limited at once, with a warning naming the minute, and counts it", async () => {
    markLogs();
    const counted: unknown[] = [];
    const bus = h.app.services.bus;
    const listener = (info: unknown) => counted.push(info);
    bus.on("slack.rate_limited", listener);
    try {
      const minute = 1_518_467_820;
      const res = await h.slack.send(
        JSON.stringify({ token: "t", type: "app_rate_limited", team_id: TEAM, minute_rate_limited: minute, api_app_id: h.slack.apiAppId }),
        JSON_TYPE,
      );
      expect(res.status).toBe(200);
      expect(res.body).toBe("");
      expect(res.ms).toBeLessThan(FAST_MS);
      expect(counted).toEqual([{ teamId: TEAM, minute: new Date(minute * 1000) }]);
      // ... and the metrics page counts it.
      const page = await (await fetch(`${h.url}/metrics`)).text();
      expect(page).toMatch(/^appkeys_slack_rate_limited_total 1$/m);
      const w = warnings().filter((l) => l.msg.includes("rate-limited"));
      expect(w).toHaveLength(1);
      expect(w[0]!.minute).toBe("2018-02-12T20:37:00.000Z");
      expect(errors()).toEqual([]);
    } finally {
      bus.off("slack.rate_limited", listener);
    }
  });

  it("3. refuses malformed interactions and events at the edge: 200 empty, one warning, no Slack call", async () => {
    await slackSettled(h);
    markLogs();
    const calls = h.standIn.calls.length;
    const button = (action: Record<string, unknown>) =>
      interaction({
        type: "block_actions",
        trigger_id: "1.2.3",
        response_url: h.standIn.responseUrl(),
        channel: { id: "C0GENERAL" },
        container: { type: "message", channel_id: "C0GENERAL", message_ts: "1.0" },
        actions: [{ type: "button", block_id: "b", action_ts: "1.0", ...action }],
      });
    const cases: Array<[string, unknown]> = [
      // A numeric button value reached s.normalize in the domain's text cleaning.
      ["numeric button value", button({ action_id: "app_details", value: 12345 })],
      // A numeric action_id reached String.prototype.match in Bolt's RegExp listener constraint.
      ["numeric action_id", button({ action_id: 42, value: publicId })],
      ["no user", { ...button({ action_id: "app_details", value: publicId }), user: undefined }],
      ["empty user id", { ...button({ action_id: "app_details", value: publicId }), user: { id: "", team_id: TEAM } }],
      ["view submission without view", interaction({ type: "view_submission", trigger_id: "1.2.3" })],
      ["view submission with a null view", interaction({ type: "view_submission", view: null })],
      ["numeric view id", interaction({ type: "view_submission", view: { id: 7, callback_id: "app_archive", state: { values: {} } } })],
      ["channel null", { ...button({ action_id: "app_details", value: publicId }), channel: null }],
      ["empty actions", interaction({ type: "block_actions", actions: [] })],
    ];
    for (const [what, payload] of cases) {
      const res = await h.slack.interactive(payload);
      expect(res.status, what).toBe(200);
      expect(res.body, what).toBe("");
      expect(res.ms, what).toBeLessThan(FAST_MS);
    }
    const events: Array<[string, string]> = [
      ["app_home_opened with an empty user", JSON.stringify(envelope({ type: "app_home_opened", user: "", tab: "home", channel: "D1" }))],
      ["app_home_opened without user", JSON.stringify(envelope({ type: "app_home_opened", tab: "home" }))],
      ["event null", JSON.stringify(envelope(null))],
      ["event a string", JSON.stringify(envelope("app_home_opened"))],
      ["event item null", JSON.stringify(envelope({ type: "reaction_added", user: STRANGER, item: null }))],
    ];
    for (const [what, raw] of events) {
      const res = await h.slack.send(raw, JSON_TYPE);
      expect(res.status, what).toBe(200);
      expect(res.ms, what).toBeLessThan(FAST_MS);
    }
    await slackSettled(h);
    expect(h.standIn.calls.slice(calls).map((c) => c.method)).toEqual([]);
    expect(errors()).toEqual([]);
    const refused = warnings().filter((l) => l.msg.includes("malformed Slack payload"));
    expect(refused).toHaveLength(cases.length + events.length);
    expect(new Set(refused.map((l) => l.requestId)).size).toBe(refused.length);
  });

  it("3. a listener that throws: Slack gets a 200 at once and the user hears that nothing was changed", async () => {
    // Listeners that throw, registered the way features register theirs: the edge, not the
    // listener, has to answer.
    const boom = () => {
      throw new Error("listener bug");
    };
    h.app.bolt.command("/edge-boom", async () => boom());
    h.app.bolt.view("edge_boom_view", async () => boom());
    h.app.bolt.action("edge_boom_action", async ({ ack }) => {
      await ack();
      boom();
    });
    markLogs();
    const cmd = await h.slack.command("", { userId: STRANGER, command: "/edge-boom" });
    expect(cmd.status).toBe(200);
    expect(cmd.ms).toBeLessThan(FAST_MS);
    expect(JSON.stringify(cmd.body)).toContain("Nothing was changed");

    const sub = await h.slack.interactive(
      interaction({ type: "view_submission", view: { id: "V0EDGE02", callback_id: "edge_boom_view", state: { values: {} } } }),
    );
    expect(sub.status).toBe(200);
    expect((sub.body as { response_action?: string }).response_action).toBe("update");
    expect(JSON.stringify(sub.body)).toContain("Nothing was changed");

    const n = h.standIn.calls.length;
    const act = await h.slack.blockAction({ userId: STRANGER, actionId: "edge_boom_action", value: "x", channelId: "C0GENERAL" });
    expect(act.status).toBe(200);
    const told = await h.standIn.waitForCall("response_url", (c) => h.standIn.calls.indexOf(c) >= n);
    expect(JSON.stringify(told.args)).toContain("Nothing was changed");

    // One error line per failure, each with the request id the user was shown.
    const failed = errors();
    expect(failed).toHaveLength(3);
    for (const l of failed) expect(JSON.stringify(cmd.body) + JSON.stringify(sub.body) + JSON.stringify(told.args)).toContain(l.requestId!);
  });

  it("3. a well-formed click from the wrong place or too late gets no error-level log (found by the fuzz test)", async () => {
    markLogs();
    // A paging button sent from a modal has no response_url: the listener called undefined.
    const page = await h.slack.interactive(
      interaction({
        type: "block_actions",
        trigger_id: h.standIn.issueTriggerId(),
        view: { id: viewId, type: "modal", callback_id: "app_details_modal" },
        container: { type: "view", view_id: viewId },
        actions: [{ type: "button", action_id: "app_list_page", block_id: "b", value: "1", action_ts: "1.0" }],
      }),
    );
    expect(page.status).toBe(200);
    // A click whose trigger expired before the app used it (Slack's expired_trigger_id).
    const trigger = h.standIn.issueTriggerId();
    h.standIn.advanceTime(10_000);
    const late = await h.slack.interactive(
      interaction({
        type: "block_actions",
        user: { id: OWNER, team_id: TEAM },
        trigger_id: trigger,
        view: { id: viewId, type: "modal", callback_id: "app_details_modal" },
        actions: [{ type: "button", action_id: "app_details", block_id: "b", value: publicId, action_ts: "1.0" }],
      }),
    );
    expect(late.status).toBe(200);
    await h.standIn.waitForCall("views.open", (c) => c.args.trigger_id === trigger);
    await slackSettled(h);
    expect(errors()).toEqual([]);
    expect(warnings().some((l) => l.slackError === "expired_trigger_id")).toBe(true);
  });

  it("4. a listener slower than 2.5 s: Slack gets a 200 before its 3 s timeout, and the listener still finishes", async () => {
    let finished = false;
    h.app.bolt.command("/edge-slow", async ({ ack }) => {
      await new Promise((r) => setTimeout(r, 2700));
      await ack({ response_type: "ephemeral", text: "late" });
      finished = true;
    });
    markLogs();
    const res = await h.slack.command("", { userId: STRANGER, command: "/edge-slow" });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(2900);
    await vi.waitFor(() => expect(finished).toBe(true), { timeout: 2000 });
    expect(errors()).toEqual([]);
    expect(warnings().map((l) => l.msg)).toEqual([
      "a Slack request was not acknowledged within 2500 ms: answered 200",
      "acknowledged too late: Slack already had its answer",
    ]);
  });

  it("4. acknowledges what the bot does not handle at once, with a debug line and no error", async () => {
    markLogs();
    const cases: Array<[string, () => ReturnType<Harness["slack"]["send"]>]> = [
      ["/APPS", () => h.slack.command("help", { userId: STRANGER, command: "/APPS" })],
      ["/apps2", () => h.slack.command("help", { userId: STRANGER, command: "/apps2" })],
      ["shortcut", () => h.slack.interactive(interaction({ type: "shortcut", callback_id: "whatever", trigger_id: "1.2.3" }))],
      [
        "message_action",
        () =>
          h.slack.interactive(
            interaction({ type: "message_action", callback_id: "x", trigger_id: "1.2.3", channel: { id: "C1" }, message: { ts: "1.0" } }),
          ),
      ],
      [
        "interactive_message",
        () =>
          h.slack.interactive(
            interaction({ type: "interactive_message", callback_id: "old", actions: [{ name: "a", type: "button", value: "v" }] }),
          ),
      ],
      [
        "view_closed of a modal that did not ask",
        () => h.slack.interactive(interaction({ type: "view_closed", view: { id: "V0EDGE01", callback_id: "app_details_modal" } })),
      ],
      [
        "view_submission of the result modal",
        () =>
          h.slack.interactive(
            interaction({ type: "view_submission", view: { id: viewId, callback_id: "appkeys_result", state: { values: {} } } }),
          ),
      ],
      ["event_callback without an event", () => h.slack.send(JSON.stringify({ ...envelope(undefined), event: undefined }), JSON_TYPE)],
      ["an event nobody listens to", () => h.slack.event({ type: "member_joined_channel", user: STRANGER, channel: "C1" })],
      ["an empty signed form body", () => h.slack.send("", FORM)],
      ["a form body of unknown fields", () => h.slack.send("hello=world", FORM)],
      ["a JSON object of unknown type", () => h.slack.send(JSON.stringify({ type: "something_new" }), JSON_TYPE)],
    ];
    for (const [what, send] of cases) {
      const res = await send();
      expect(res.status, what).toBe(200);
      expect(res.ms, what).toBeLessThan(FAST_MS);
    }
    expect(errors()).toEqual([]);
    expect(lines().filter((l) => l.msg.includes("not acknowledged"))).toEqual([]);
    // Events are acknowledged by Bolt before any listener runs: no line for the one nobody hears.
    const unhandled = lines().filter((l) => l.level === 20 && l.msg.includes("nothing handles"));
    expect(unhandled.length).toBe(cases.length - 1);
  });
});
