/**
 * Socket Mode: the real app with SLACK_APP_TOKEN (no signing secret) against a local Socket Mode
 * stand-in, its Web API calls going to the Slack stand-in as in HTTP mode.
 */
import type { PGlite } from "@electric-sql/pglite";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppKeys, type AppKeys } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createAppViaSlack } from "../support/flows.js";
import type { Harness } from "../support/harness.js";
import { sample } from "../support/metrics.js";
import { SlackClient } from "../support/slack-client.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { SocketModeStandIn } from "../support/socket-mode-standin.js";
import { createTestDatabase, type TestDatabase } from "../support/test-db.js";

const ALICE = "USOCKET001";

describe("Socket Mode", () => {
  let standIn: SlackStandIn;
  let socket: SocketModeStandIn;
  let db: TestDatabase;
  let app: AppKeys;
  let url: string;
  let h: Harness;
  const logs: string[] = [];

  beforeAll(async () => {
    standIn = await SlackStandIn.start({ teamId: "T0001" });
    socket = await SocketModeStandIn.start(standIn);
    db = await createTestDatabase();
    const config = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_APP_TOKEN: "xapp-1-A0APPKEYS-test",
      SLACK_API_URL: standIn.url,
      ...(db.url ? { DATABASE_URL: db.url } : {}),
    });
    const sink = new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    app = await createAppKeys(config, {
      logger: createLogger("info", sink),
      pglite: db.pglite as PGlite | undefined,
      slackRetries: { retries: 0 },
      onlyWorkers: ["audit"],
    });
    url = `http://127.0.0.1:${await app.start(0)}`;
    const slack = new SlackClient({ appUrl: url, signingSecret: "unused-in-socket-mode", standIn, transport: socket.transport });
    h = { app, standIn, slack, db, prisma: app.services.db.prisma, url, logs, close: async () => {} };
  });
  afterAll(async () => {
    await app?.stop();
    await socket?.close();
    await standIn?.close();
    await db?.drop();
  });

  it("connects with the app-level token and is ready; probes and metrics answer on PORT", async () => {
    await socket.waitForConnection(1);
    expect(standIn.callsTo("apps.connections.open")).toHaveLength(1);
    expect(standIn.lastCall("apps.connections.open")!.token).toBe("xapp-1-A0APPKEYS-test");
    expect(logs.join("")).toContain("AppKeys connected over Socket Mode");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ ready: true });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sample(metrics, "appkeys_slack_api_calls_total", { method: "apps.connections.open", error: "none" })).toBe(1);
  });

  it("runs the create flow over slash_commands and interactive envelopes", async () => {
    const created = await createAppViaSlack(h, { userId: ALICE, title: "Socket app" });
    expect(created.app).not.toBeNull();
    expect(created.secret).toBeDefined();
    const types = socket.envelopes.map((e) => e.type);
    expect(types).toContain("slash_commands");
    expect(types.filter((t) => t === "interactive").length).toBeGreaterThanOrEqual(2);
    expect(socket.envelopes.every((e) => e.ack !== undefined)).toBe(true);
    expect(standIn.violations).toEqual([]);
  });

  it("answers events_api envelopes (App Home)", async () => {
    const before = standIn.callsTo("views.publish").length;
    await h.slack.appHomeOpened(ALICE);
    await standIn.waitFor((c) => c.filter((x) => x.method === "views.publish").length > before);
    expect(JSON.stringify(standIn.lastCall("views.publish")!.args)).toContain("Socket app");
  });

  it("reconnects after a disconnect envelope and goes on", async () => {
    socket.disconnect();
    await socket.waitForConnection(2);
    expect(standIn.callsTo("apps.connections.open")).toHaveLength(2);
    const created = await createAppViaSlack(h, { userId: ALICE, title: "After reconnect" });
    expect(created.app?.title).toBe("After reconnect");
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sample(metrics, "appkeys_slack_ack_duration_seconds_count", { kind: "command" })).toBe(2);
  });
});
