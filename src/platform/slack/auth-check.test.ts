import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitForSlackAuth } from "./auth-check.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A Slack stand-in whose auth.test answers 503 `failures` times, then succeeds. */
async function flakySlack(failures: number): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  server = createServer((req, res) => {
    req.resume();
    calls++;
    if (calls <= failures) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T1" }));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`, calls: () => calls };
}

describe("waitForSlackAuth", () => {
  it("retries until Slack answers, warning on each attempt, and leaves no listener on the stop signal", async () => {
    const slack = await flakySlack(12);
    const stop = new AbortController();
    const warnings: number[] = [];
    const identity = await waitForSlackAuth({
      token: "xoxb-test",
      apiUrl: slack.url,
      warn: (f) => warnings.push(f.attempt),
      minDelayMs: 1,
      maxDelayMs: 2,
      signal: stop.signal,
    });
    expect(identity).toEqual({ botUserId: "UBOT", botId: "BBOT", teamId: "T1" });
    expect(slack.calls()).toBe(13);
    expect(warnings).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Before the fix one listener per attempt stayed, and Node warned of a leak at 11.
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
  });

  it("stops waiting as soon as the signal aborts", async () => {
    const slack = await flakySlack(Number.POSITIVE_INFINITY);
    const stop = new AbortController();
    const waiting = waitForSlackAuth({
      token: "xoxb-test",
      apiUrl: slack.url,
      warn: () => stop.abort(),
      minDelayMs: 60_000,
      signal: stop.signal,
    });
    await expect(waiting).rejects.toThrow(/stopped while waiting for Slack/);
    expect(slack.calls()).toBe(1);
  });
});
