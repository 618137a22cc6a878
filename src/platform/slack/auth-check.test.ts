import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { innermostCause, waitForSlackAuth } from "./auth-check.js";

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

  it("sends the token as a bearer, counts each attempt, and ends start-up when Slack refuses the token", async () => {
    const answers = [
      { status: 429, body: "" },
      { status: 200, body: "<html>gateway</html>" },
      { status: 200, body: JSON.stringify({ ok: false, error: "invalid_auth" }) },
    ];
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      req.resume();
      const a = answers.shift()!;
      res.writeHead(a.status, { "content-type": "application/json" }).end(a.body);
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
    const recorded: Array<[string, string | undefined]> = [];
    const errors: string[] = [];
    const waiting = waitForSlackAuth({
      token: "xoxb-right-format-wrong-token",
      apiUrl: url,
      record: (method, error) => recorded.push([method, error]),
      warn: (f) => errors.push(f.error),
      minDelayMs: 1,
      maxDelayMs: 1,
    });
    await expect(waiting).rejects.toThrow(/SLACK_BOT_TOKEN.*Slack answered invalid_auth/s);
    expect(seen).toEqual(Array.from({ length: 3 }, () => "POST /api/auth.test Bearer xoxb-right-format-wrong-token"));
    expect(errors).toEqual(["ratelimited", "invalid_response"]);
    expect(recorded).toEqual([
      ["auth.test", "ratelimited"],
      ["auth.test", "invalid_response"],
      ["auth.test", "invalid_auth"],
    ]);
  });

  it("names the connection error, also for a host name with several addresses", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const stop = new AbortController();
    const errors: string[] = [];
    const recorded: Array<string | undefined> = [];
    const waiting = waitForSlackAuth({
      token: "xoxb-test",
      apiUrl: `http://localhost:${port}/api/`,
      record: (_m, error) => recorded.push(error),
      warn: (f) => {
        errors.push(f.error);
        stop.abort();
      },
      signal: stop.signal,
    });
    await expect(waiting).rejects.toThrow(/stopped/);
    expect(errors[0]).toMatch(/connect ECONNREFUSED (::1|127\.0\.0\.1):\d+/);
    expect(recorded).toEqual(["request_error"]);
  });

  it("words a failure by its innermost cause, and an AggregateError (several addresses) by its first error", () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:9`), { code: "ECONNREFUSED" });
    const aggregate = Object.assign(new AggregateError([refused("::1"), refused("127.0.0.1")], ""), { code: "ECONNREFUSED" });
    expect(innermostCause(aggregate)).toBe("connect ECONNREFUSED ::1:9");
    expect(innermostCause(new Error("fetch failed", { cause: aggregate }))).toBe("connect ECONNREFUSED ::1:9");
    expect(innermostCause(new Error("socket hang up"))).toBe("socket hang up");
  });
});
