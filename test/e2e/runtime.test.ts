import { createServer } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAppKeys } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { generateKeyPair } from "../../src/features/credentials/key-format.js";
import { createLogger } from "../../src/logger.js";
import { startHarness, SIGNING_SECRET, type Harness } from "../support/harness.js";
import { createAppViaSlack } from "../support/flows.js";
import { sample, types } from "../support/metrics.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { createTestDatabase } from "../support/test-db.js";
import { Writable } from "node:stream";

const VERIFY_TOKEN = "gateway-token-0123456789";
const METRICS_TOKEN = "metrics-token-0123456789";
const ALICE = "UMETRICS01";

async function metrics(h: Harness, token = METRICS_TOKEN): Promise<string> {
  const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

function verify(h: Harness, body: unknown) {
  return fetch(`${h.url}/v1/keys/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${VERIFY_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("probes and metrics of a running instance", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { VERIFY_TOKENS: VERIFY_TOKEN, METRICS_TOKEN } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("is alive and ready once database, migrations, catalog and Slack auth.test passed", async () => {
    const live = await fetch(`${h.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true });
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { database: true, migrations: true, catalog: true, slack: true, credentials: true },
    });
    expect(h.standIn.callsTo("auth.test").length).toBeGreaterThan(0);
  });

  it("refuses /metrics without the bearer token", async () => {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
  });

  it("serves every metric family with its type, and process metrics", async () => {
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = types(await res.text());
    expect(Object.fromEntries([...t].filter(([n]) => n.startsWith("appkeys_")))).toEqual({
      appkeys_verify_verdicts_total: "counter",
      appkeys_verify_responses_total: "counter",
      appkeys_verify_duration_seconds: "histogram",
      appkeys_slack_ack_duration_seconds: "histogram",
      appkeys_slack_api_calls_total: "counter",
      appkeys_slack_rate_limited_total: "counter",
      appkeys_rotation_reminders_sent_total: "counter",
      appkeys_rotation_reminders_failed_total: "counter",
      appkeys_job_claims_total: "counter",
      appkeys_job_runs_total: "counter",
      appkeys_ready: "gauge",
      appkeys_audit_outbox_backlog: "gauge",
      appkeys_audit_outbox_oldest_age_seconds: "gauge",
    });
    expect(t.get("process_resident_memory_bytes")).toBe("gauge");
    expect(t.get("process_cpu_seconds_total")).toBe("counter");
    expect(t.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
  });

  it("counts a slash command's ack and the Web API calls it makes; a verify call moves its counters", async () => {
    const before = await metrics(h);
    const commands = (text: string) => sample(text, "appkeys_slack_ack_duration_seconds_count", { kind: "command" }) ?? 0;
    const views = (text: string) => sample(text, "appkeys_slack_ack_duration_seconds_count", { kind: "view" }) ?? 0;
    const opens = (text: string) => sample(text, "appkeys_slack_api_calls_total", { method: "views.open", error: "none" }) ?? 0;

    const created = await createAppViaSlack(h, { userId: ALICE, title: "Metered app" });
    expect(created.secret).toBeDefined();
    const afterCreate = await metrics(h);
    expect(commands(afterCreate)).toBe(commands(before) + 1);
    expect(views(afterCreate)).toBe(views(before) + 2);
    expect(opens(afterCreate)).toBe(opens(before) + 1);

    const valid = (text: string) => sample(text, "appkeys_verify_verdicts_total", { verdict: "valid" }) ?? 0;
    const ok200 = (text: string) => sample(text, "appkeys_verify_responses_total", { status: "200" }) ?? 0;
    const unauthorized = (text: string) => sample(text, "appkeys_verify_responses_total", { status: "401" }) ?? 0;
    const observed = (text: string) => sample(text, "appkeys_verify_duration_seconds_count") ?? 0;
    expect((await verify(h, { sharedKey: created.shared, secretKey: created.secret })).status).toBe(200);
    const wrong = await verify(h, { sharedKey: created.shared, secretKey: `${created.secret!.slice(0, -4)}AAAA` });
    expect(wrong.status).toBe(200);
    const { code } = (await wrong.json()) as { code: string };
    expect(code).toMatch(/^(MALFORMED|NOT_FOUND)$/);
    const refused = (text: string) => sample(text, "appkeys_verify_verdicts_total", { verdict: code }) ?? 0;
    const denied = await fetch(`${h.url}/v1/keys/verify`, { method: "POST", body: "{}" });
    expect(denied.status).toBe(401);
    const afterVerify = await metrics(h);
    expect(valid(afterVerify)).toBe(valid(afterCreate) + 1);
    expect(refused(afterVerify)).toBe(refused(afterCreate) + 1);
    expect(ok200(afterVerify)).toBe(ok200(afterCreate) + 2);
    expect(unauthorized(afterVerify)).toBe(unauthorized(afterCreate) + 1);
    expect(observed(afterVerify)).toBe(observed(afterCreate) + 3);

    // No label carries a key, a user id or what the user typed.
    for (const s of [created.secret!, created.shared!, ALICE, "Metered app", VERIFY_TOKEN, METRICS_TOKEN]) {
      expect(afterVerify).not.toContain(s);
    }
  });

  it("labels a Web API error with Slack's error code", async () => {
    const failed = (text: string) =>
      sample(text, "appkeys_slack_api_calls_total", { method: "views.open", error: "expired_trigger_id" }) ?? 0;
    const before = failed(await metrics(h));
    h.standIn.failNext("views.open", { error: "expired_trigger_id" });
    await h.slack.command("create", { userId: ALICE });
    await h.standIn.waitFor((c) => c.some((x) => x.method === "views.open" && x.response?.error === "expired_trigger_id"));
    await vi.waitFor(async () => expect(failed(await metrics(h))).toBe(before + 1));
  });

  it("shows the audit outbox backlog and the age of its oldest event", async () => {
    const waiting = await h.prisma.auditEvent.findMany({ where: { deliveredAt: null }, orderBy: { createdAt: "asc" } });
    expect(waiting.length).toBeGreaterThan(0); // no audit channel configured: events wait
    const text = await metrics(h);
    expect(sample(text, "appkeys_audit_outbox_backlog")).toBe(waiting.length);
    const age = sample(text, "appkeys_audit_outbox_oldest_age_seconds")!;
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan((Date.now() - waiting[0]!.createdAt.getTime()) / 1000 + 5);
    expect(sample(text, "appkeys_ready")).toBe(1);
  });
});

describe("start-up while Slack is not answering", () => {
  it("serves /healthz, is not ready, warns with the URL and error on each retry, and becomes ready when Slack answers", async () => {
    const standIn = await SlackStandIn.start({ teamId: "T0001" });
    const db = await createTestDatabase();
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    standIn.failNext("auth.test", { status: 503, times: 3 });
    const config = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.url,
      ...(db.url ? { DATABASE_URL: db.url } : {}),
    });
    const app = await createAppKeys(config, {
      logger: createLogger("info", sink),
      pglite: db.pglite as PGlite | undefined,
      slackRetries: { retries: 0 },
      slackAuthRetry: { minDelayMs: 300, maxDelayMs: 300 },
      noWorkers: true,
    });
    try {
      const url = `http://127.0.0.1:${await app.listen(0)}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        ready: false,
        failing: "slack",
        checks: { database: true, catalog: true, slack: false },
      });
      const slackRequest = await fetch(`${url}/slack/events`, { method: "POST", body: "{}" });
      expect(slackRequest.status).toBe(503);
      await app.ready();
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const warnings = logs.filter((l) => l.includes("Slack is not reachable")).map((l) => JSON.parse(l));
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toMatchObject({ level: 40, url: `${standIn.url}auth.test`, error: expect.stringContaining("503"), attempt: 1 });
      expect(warnings[2].attempt).toBe(3);
    } finally {
      await app.stop();
      await standIn.close();
      await db.drop();
    }
  });

  it("keeps retrying while nothing listens at SLACK_API_URL, naming the URL and the connection error", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const db = await createTestDatabase();
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    const config = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
      ...(db.url ? { DATABASE_URL: db.url } : {}),
    });
    const app = await createAppKeys(config, {
      logger: createLogger("info", sink),
      pglite: db.pglite as PGlite | undefined,
      slackAuthRetry: { minDelayMs: 100, maxDelayMs: 100 },
      noWorkers: true,
    });
    try {
      const url = `http://127.0.0.1:${await app.listen(0)}`;
      await vi.waitFor(() => expect(logs.filter((l) => l.includes("Slack is not reachable")).length).toBeGreaterThanOrEqual(3), {
        timeout: 10_000,
      });
      const w = JSON.parse(logs.find((l) => l.includes("Slack is not reachable"))!);
      expect(w.url).toBe(`http://127.0.0.1:${port}/api/auth.test`);
      expect(w.error).toMatch(/ECONNREFUSED/);
      expect(w.msg).toContain(`http://127.0.0.1:${port}/api/auth.test`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ failing: "slack" });
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
    } finally {
      await app.stop();
      await db.drop();
    }
    await expect(app.ready()).rejects.toThrow();
  });
});

describe("start-up while the credential index cannot load", () => {
  it("serves Slack, keeps /readyz and key verification at 503 naming the index, and turns ready once it loads", async () => {
    const db = await createTestDatabase();
    const setup = await db.open();
    await setup.withConnection((c) => c.query('ALTER TABLE "credential" RENAME TO "credential_away"'));
    // start() resolves once ready() does: the index is waited for at most its start wait (2 s).
    const h = await startHarness({ db, env: { VERIFY_TOKENS: VERIFY_TOKEN }, appOptions: { noWorkers: true } });
    const { logs, url } = h;
    try {
      expect(logs.some((l) => l.includes("the verification index is still loading"))).toBe(true);
      const notReady = await fetch(`${url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ failing: "credentials", checks: { slack: true, credentials: false } });
      const verifying = await verify(h, generateKeyPair("development"));
      expect(verifying.status).toBe(503);
      expect(verifying.headers.get("retry-after")).toBeTruthy();
      await setup.withConnection((c) => c.query('ALTER TABLE "credential_away" RENAME TO "credential"'));
      await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { timeout: 10_000, interval: 100 });
    } finally {
      await h.close();
      await db.drop();
    }
  });
});
