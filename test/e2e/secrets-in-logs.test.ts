import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase, type Database } from "../../src/platform/db/database.js";
import { SIGNING_SECRET, TEAM } from "../support/harness.js";
import { SECRET_RE, dumpDatabase } from "../support/flows.js";
import { SlackClient } from "../support/slack-client.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { createTestDatabase } from "../support/test-db.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const USER = "ULOGGED1";

/**
 * The real process (`npm start`'s entry point) at debug log level, driven through the whole
 * create flow: the secret must reach no log line, no database row and no Slack call other than
 * the two private deliveries.
 */
describe("a secret never reaches a log, the database or a channel", () => {
  let standIn: SlackStandIn;
  let child: ChildProcess;
  let output = "";
  let dataDir: string | undefined;
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let port = 0;

  beforeAll(async () => {
    standIn = await SlackStandIn.start({ teamId: TEAM });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.url,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
    };
    if (process.env.TEST_DATABASE_URL) {
      testDb = await createTestDatabase();
      env.DATABASE_URL = testDb.url!;
    } else {
      dataDir = await mkdtemp(path.join(tmpdir(), "appkeys-logs-"));
      env.DATA_DIR = dataDir;
    }
    child = spawn(process.execPath, ["dist/main.js"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (output += String(d)));
    child.stderr!.on("data", (d) => (output += String(d)));
    const exited = new Promise<never>((_, reject) => child.once("exit", () => reject(new Error(`app exited early:\n${output}`))));
    const listening = vi.waitFor(
      () => {
        const m = /"port":(\d+)[^\n]*listening/.exec(output);
        if (!m) throw new Error(`app did not start:\n${output}`);
        return Number(m[1]);
      },
      { timeout: 60_000, interval: 50 },
    );
    port = await Promise.race([listening, exited]);
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await standIn?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await testDb?.drop();
  });

  it("runs the whole create flow at debug level without leaking the secret", async () => {
    const slack = new SlackClient({ appUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, standIn, teamId: TEAM });
    await slack.command("create", { userId: USER });
    const open = await standIn.waitForCall("views.open");
    const viewId = open.response.view.id;
    expect(
      (await slack.submitView(viewId, { title: "Logged app", description: "debug everything" }, { userId: USER })).body.response_action,
    ).toBe("update");
    const suggestion = await slack.blockSuggestion({ userId: USER, viewId, actionId: "endpoints_select", blockId: "endpoints", value: "" });
    const first = suggestion.body.option_groups[0].options[0].value;
    await slack.submitView(viewId, { endpoints: [first], environment: "staging" }, { userId: USER });
    await standIn.waitForCall("chat.postEphemeral");

    const secret = SECRET_RE.exec(standIn.allText())?.[0];
    expect(secret).toBeTruthy();
    // Slack: only the modal update and the ephemeral DM carry it.
    const carriers = standIn.calls.filter((c) => JSON.stringify(c.args).includes(secret!)).map((c) => c.method);
    expect(carriers.sort()).toEqual(["chat.postEphemeral", "views.update"]);
    expect(standIn.callsTo("chat.postEphemeral")[0]!.args.user).toBe(USER);

    // Logs: debug level was really on (Bolt and our own debug lines exist), yet no secret.
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    expect(output).toContain('"level":20');
    expect(output.length).toBeGreaterThan(500);
    expect(output).not.toContain(secret!);
    expect(output).not.toContain(secret!.slice(8, 30));

    // Database: no row holds it, in any column.
    let db: Database;
    if (testDb) db = await testDb.open();
    else db = await openDatabase({ dataDir: dataDir! });
    try {
      const dump = await dumpDatabase({ prisma: db.prisma });
      expect(dump).toContain("Logged app");
      expect(dump).not.toContain(secret!);
    } finally {
      if (!testDb) await db.close();
    }
  });
});
