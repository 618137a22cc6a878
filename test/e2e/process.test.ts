/**
 * The real entry point as a child process (dist/main.js: what `npm start` runs): Slack
 * unreachable or refusing the token at start, and SIGTERM with requests in flight.
 */
import type { ChildProcess } from "node:child_process";
import { connect } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SlackClient } from "../support/slack-client.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { type AppProcess, freePort, spawnApp as startApp } from "../support/app-process.js";
import { SIGNING_SECRET, TEAM } from "../support/harness.js";
import { createTestDatabase, type TestDatabase } from "../support/test-db.js";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";

const VERIFY_TOKEN = "gateway-token-0123456789";

let dbUrl: string | undefined;
let db: TestDatabase | undefined;
let tmp: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "appkeys-process-"));
  if (process.env.TEST_DATABASE_URL) {
    db = await createTestDatabase();
    dbUrl = db.url;
  }
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});
afterAll(async () => {
  await db?.drop();
  await rm(tmp, { recursive: true, force: true });
});

async function spawnApp(env: Record<string, string>): Promise<AppProcess> {
  const p = await startApp({
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    // One data directory for every run (they never overlap): only the first pays for initdb.
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { DATA_DIR: path.join(tmp, "data") }),
    ...env,
  });
  children.push(p.child);
  return p;
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

describe("start-up when Slack does not cooperate", () => {
  it("exits non-zero with one line saying the token is wrong when Slack answers invalid_auth", async () => {
    const standIn = await SlackStandIn.start({ teamId: TEAM });
    standIn.failNext("auth.test", { error: "invalid_auth", times: 5 });
    try {
      const p = await spawnApp({ SLACK_API_URL: standIn.url });
      const { code } = await p.exited;
      expect(code).toBe(1);
      const lines = p
        .out()
        .split("\n")
        .filter((l) => l.includes("could not start"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("SLACK_BOT_TOKEN");
      expect(lines[0]).toContain("invalid_auth");
      expect(lines[0]).toMatch(/token is wrong/);
      expect(p.out()).not.toMatch(/\n\s+at /);
      expect(p.out()).not.toContain("xoxb-test-token");
      if (!dbUrl) {
        // The embedded database was closed before the exit: pg_control says "shut down" (1),
        // not "in production" (6), which would make the next start recover it.
        const control = await readFile(path.join(tmp, "data", "global", "pg_control"));
        expect(control.readUInt32LE(16)).toBe(1);
      }
    } finally {
      await standIn.close();
    }
  }, 60_000);

  it("says the same for account_inactive", async () => {
    const standIn = await SlackStandIn.start({ teamId: TEAM });
    standIn.failNext("auth.test", { error: "account_inactive", times: 5 });
    try {
      const p = await spawnApp({ SLACK_API_URL: standIn.url });
      expect((await p.exited).code).toBe(1);
      expect(p.out()).toMatch(/could not start: .*SLACK_BOT_TOKEN.*account_inactive.*token is wrong/);
    } finally {
      await standIn.close();
    }
  }, 60_000);

  it("keeps retrying while Slack is unreachable: a warning per attempt naming the URL and error, /healthz 200, /readyz 503", async () => {
    const dead = await freePort();
    const p = await spawnApp({ SLACK_API_URL: `http://127.0.0.1:${dead}/api/` });
    await vi.waitFor(() => expect(p.out().match(/Slack is not reachable/g)?.length ?? 0).toBeGreaterThanOrEqual(2), {
      timeout: 40_000,
      interval: 100,
    });
    const warning = JSON.parse(
      p
        .out()
        .split("\n")
        .find((l) => l.includes("Slack is not reachable"))!,
    );
    expect(warning.msg).toContain(`http://127.0.0.1:${dead}/api/auth.test`);
    expect(warning.error).toMatch(/ECONNREFUSED/);
    expect(await status(`${p.url}/healthz`)).toBe(200);
    const ready = await fetch(`${p.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, failing: "slack" });
    expect(p.child.exitCode).toBeNull();
    p.child.kill("SIGTERM");
    expect((await p.exited).code).toBe(0);
  }, 60_000);
});

describe("SIGTERM", () => {
  let standIn: SlackStandIn;
  beforeAll(async () => {
    standIn = await SlackStandIn.start({ teamId: TEAM });
  });
  afterAll(async () => {
    await standIn.close();
  });

  async function startReady(): Promise<AppProcess> {
    const p = await spawnApp({ SLACK_API_URL: standIn.url, VERIFY_TOKENS: VERIFY_TOKEN });
    await vi.waitFor(async () => expect(await status(`${p.url}/readyz`)).toBe(200), { timeout: 45_000, interval: 100 });
    return p;
  }

  it("stops taking requests, finishes the one in flight and the Slack call in progress, and exits within 5 s", async () => {
    const p = await startReady();
    const slack = new SlackClient({ appUrl: p.url, signingSecret: SIGNING_SECRET, standIn, teamId: TEAM });
    standIn.clear();
    standIn.delay("views.open", 1500);

    // A gateway request in flight: headers sent, body not yet.
    const body = JSON.stringify({ sharedKey: "ak_dev_x", secretKey: "sk_dev_y" });
    const sock = connect(p.port, "127.0.0.1");
    await new Promise<void>((r) => sock.once("connect", () => r()));
    let answer = "";
    sock.on("data", (d) => (answer += String(d)));
    const closed = new Promise<void>((r) => sock.once("close", () => r()));
    sock.write(
      `POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${VERIFY_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );

    // A slash command acked, its views.open still on its way to Slack.
    const cmd = await slack.command("create", { userId: "USIGTERM1" });
    expect(cmd.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));

    const t0 = Date.now();
    p.child.kill("SIGTERM");
    await vi.waitFor(() => expect(p.out()).toContain("shutting down"), { timeout: 2000, interval: 20 });
    // New work is refused: connection refused, or 503 on a connection that was open.
    const late = await fetch(`${p.url}/v1/keys/verify`, { method: "POST", body: "{}" }).then(
      (r) => r.status,
      () => 0,
    );
    expect([0, 503]).toContain(late);
    sock.end(body);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('"valid":false');

    const { code, at } = await p.exited;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(5000);
    // It waited for views.open (answered 1.5 s after it was sent) before exiting.
    expect(at - t0).toBeGreaterThanOrEqual(1000);
    const open = standIn.callsTo("views.open");
    expect(open).toHaveLength(1);
    expect(open[0]!.response).toMatchObject({ ok: true });
    expect(p.out()).not.toContain("still in flight");
    standIn.delay("views.open", 0);
  }, 90_000);

  it("exits at once on a second SIGTERM", async () => {
    const p = await startReady();
    const slack = new SlackClient({ appUrl: p.url, signingSecret: SIGNING_SECRET, standIn, teamId: TEAM });
    standIn.delay("views.open", 20_000);
    expect((await slack.command("create", { userId: "USIGTERM2" })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    p.child.kill("SIGTERM");
    await vi.waitFor(() => expect(p.out()).toContain("shutting down"), { timeout: 2000, interval: 20 });
    const t0 = Date.now();
    p.child.kill("SIGTERM");
    const { code, at } = await p.exited;
    // "At once": the first stop would wait for the 20 s views.open until the 5 s limit. (Loaded CI: allow 2.5 s.)
    expect(at - t0).toBeLessThan(2500);
    expect(code).toBe(1);
    expect(p.out()).toContain("second signal");
    standIn.delay("views.open", 0);
  }, 90_000);
});
