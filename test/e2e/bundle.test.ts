/**
 * The built bundle (dist/main.js, what `npm start` runs) as a child process. The bundle defers
 * loading Bolt's Socket Mode and Express receivers until first use (scripts/bundle.mjs): this
 * proves Socket Mode still connects, answers a slash command with a modal and reconnects through
 * that deferred class, and that HTTP mode answers Slack and gateways.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnApp } from "../support/app-process.js";
import { SIGNING_SECRET, TEAM } from "../support/harness.js";
import { SlackClient } from "../support/slack-client.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { SocketModeStandIn } from "../support/socket-mode-standin.js";
import { createTestDatabase, type TestDatabase } from "../support/test-db.js";

const VERIFY_TOKEN = "gateway-token-0123456789";
const USER = "UBUNDLE001";

let db: TestDatabase | undefined;
let tmp: string;
let standIn: SlackStandIn;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "appkeys-bundle-"));
  if (process.env.TEST_DATABASE_URL) db = await createTestDatabase();
  standIn = await SlackStandIn.start({ teamId: TEAM });
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});
afterAll(async () => {
  await standIn?.close();
  await db?.drop();
  await rm(tmp, { recursive: true, force: true });
});

async function startBundle(env: Record<string, string>): Promise<{ url: string; out: () => string }> {
  const { child, url, out } = await spawnApp({
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_API_URL: standIn.url,
    VERIFY_TOKENS: VERIFY_TOKEN,
    ...(db?.url ? { DATABASE_URL: db.url } : { DATA_DIR: path.join(tmp, "data") }),
    ...env,
  });
  children.push(child);
  await vi.waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${out()}`);
      const r = await fetch(`${url}/readyz`).catch(() => undefined);
      expect(r?.status, out()).toBe(200);
    },
    { timeout: 45_000, interval: 50 },
  );
  return { url, out };
}

describe("dist/main.js", () => {
  it("in Socket Mode: connects, answers /apps create with a modal, reconnects after disconnect", async () => {
    const socket = await SocketModeStandIn.start(standIn);
    try {
      const { url } = await startBundle({ SLACK_APP_TOKEN: "xapp-1-A0APPKEYS-test" });
      await socket.waitForConnection(1);
      const slack = new SlackClient({ appUrl: url, signingSecret: "unused", standIn, transport: socket.transport });
      const opened = standIn.callsTo("views.open").length;
      expect((await slack.command("create", { userId: USER })).status).toBe(200);
      await standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > opened);
      expect(JSON.stringify(standIn.callsTo("views.open").at(-1)!.args)).toContain("app_create_details");

      socket.disconnect();
      await socket.waitForConnection(2);
      expect((await slack.command("create", { userId: USER })).status).toBe(200);
      await standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > opened + 1);
      expect(socket.envelopes.filter((e) => e.type === "slash_commands" && e.ack !== undefined)).toHaveLength(2);
    } finally {
      await socket.close();
    }
  });

  it("in HTTP mode: answers a signed slash command and a gateway's verify call", async () => {
    const { url } = await startBundle({ SLACK_SIGNING_SECRET: SIGNING_SECRET });
    const slack = new SlackClient({ appUrl: url, signingSecret: SIGNING_SECRET, standIn });
    const r = await slack.command("help", { userId: USER });
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).toContain("/apps create");
    const v = await fetch(`${url}/v1/keys/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${VERIFY_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ sharedKey: "not-a-key", secretKey: "x" }),
    });
    expect(v.status).toBe(200);
    expect(await v.json()).toMatchObject({ valid: false, code: "MALFORMED" });
  });
});
