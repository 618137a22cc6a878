import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/harness.js";
import { createAppViaSlack } from "../support/flows.js";
import { createTestDatabase } from "../support/test-db.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "appkeys-startup-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the real entry point and returns what it printed. */
function start(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["dist/main.js"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("start-up configuration errors", () => {
  it("names the missing variable, with no stack trace", () => {
    const r = start({ SLACK_SIGNING_SECRET: "abcdefghijkl" });
    expect(r.code).toBe(2);
    expect(r.out).toContain("SLACK_BOT_TOKEN");
    expect(r.out).toMatch(/is required/);
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  it("names each bad variable and how to fix it", () => {
    const r = start({
      SLACK_BOT_TOKEN: "nope",
      DATABASE_URL: "mysql://x",
      PORT: "99999",
      ADMIN_USER_IDS: "alice",
      ROTATION_CRON: "every day",
      TZ: "Mars/Olympus",
    });
    expect(r.code).toBe(2);
    for (const v of [
      "SLACK_BOT_TOKEN: must start with xoxb-",
      "DATABASE_URL: must be a postgres:// URL",
      "PORT",
      "ADMIN_USER_IDS",
      "SLACK_SIGNING_SECRET",
      "ROTATION_CRON: must be a cron expression",
      "TZ: must be an IANA time zone",
    ]) {
      expect(r.out).toContain(v);
    }
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  it("stops on a broken endpoint catalog with its file, line and reason", async () => {
    const file = path.join(tmp, "broken.yaml");
    await writeFile(file, "- id: a.one\n  api: A\n  method: GET\n  path: /a\n- id: a.two\n  api: A\n  method: FETCH\n  path: /b\n");
    const r = start({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "abcdefghijkl",
      ENDPOINTS_FILE: file,
      DATA_DIR: path.join(tmp, "data"),
    });
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${file}:7`);
    expect(r.out).toMatch(/method must be one of/);
    expect(r.out).not.toMatch(/\n\s+at /);
  });
});

describe("endpoint catalog sync", () => {
  let h: Harness;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const big = () => path.join(tmp, "big.yaml");
  const small = () => path.join(tmp, "small.yaml");

  beforeAll(async () => {
    const apis = ["Payments", "Ledger", "Risk", "Payouts", "Cards"];
    const rows: string[] = [];
    for (const api of apis) {
      for (let i = 0; i < 60; i++)
        rows.push(
          `- { id: ${api.toLowerCase()}.op${i}, api: ${api}, method: GET, path: "/${api.toLowerCase()}/r${i}/{id}", summary: "${api} operation ${i}" }`,
        );
    }
    await writeFile(big(), rows.join("\n"));
    await writeFile(small(), rows.filter((r) => !r.includes("cards.")).join("\n"));
    db = await createTestDatabase();
    h = await startHarness({ db, env: { ENDPOINTS_FILE: big() } });
  });
  afterAll(async () => {
    await h?.close();
    await h?.standIn.close();
    await db?.drop();
  });

  it("serves a 300-endpoint catalog by type-ahead, never past 100 options", async () => {
    expect(await h.prisma.endpoint.count()).toBe(300);
    await h.slack.command("create", { userId: "UCAT0001" });
    const open = await h.standIn.waitForCall("views.open");
    const viewId = open.response.view.id;
    await h.slack.submitView(viewId, { title: "Catalog app" }, { userId: "UCAT0001" });
    const all = await h.slack.blockSuggestion({
      userId: "UCAT0001",
      viewId,
      actionId: "endpoints_select",
      blockId: "endpoints",
      value: "",
    });
    const count = (b: { option_groups: { options: unknown[] }[] }) => b.option_groups.reduce((n, g) => n + g.options.length, 0);
    expect(count(all.body)).toBe(100);
    const risk = await h.slack.blockSuggestion({
      userId: "UCAT0001",
      viewId,
      actionId: "endpoints_select",
      blockId: "endpoints",
      value: "risk r4",
    });
    const values = risk.body.option_groups.flatMap((g: { options: { value: string }[] }) => g.options.map((o) => o.value));
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((v: string) => v.startsWith("risk.op4"))).toBe(true);
    expect(risk.body.option_groups.map((g: { label: { text: string } }) => g.label.text)).toEqual(["Risk"]);
    const none = await h.slack.blockSuggestion({
      userId: "UCAT0001",
      viewId,
      actionId: "endpoints_select",
      blockId: "endpoints",
      value: "zzzz-nothing",
    });
    expect(none.body.options).toEqual([]);
    expect(h.standIn.violations).toEqual([]);
  });

  it("skips parsing and syncing a catalog file the database last synced; an edited file is synced again", async () => {
    // Retired behind the app's back: only a sync would revive it, so it shows whether one ran.
    await h.prisma.endpoint.update({ where: { id: "risk.op7" }, data: { retiredAt: new Date() } });
    await h.app.stop();
    h = await startHarness({ db, standIn: h.standIn, env: { ENDPOINTS_FILE: big() } });
    expect(h.logs.join("")).toContain("endpoint catalog unchanged since the last sync");
    expect((await h.prisma.endpoint.findUnique({ where: { id: "risk.op7" } }))!.retiredAt).not.toBeNull();

    await h.app.stop();
    await writeFile(big(), `${await readFile(big(), "utf8")}\n`);
    h = await startHarness({ db, standIn: h.standIn, env: { ENDPOINTS_FILE: big() } });
    expect(h.logs.join("")).toContain("endpoint catalog synced");
    expect((await h.prisma.endpoint.findUnique({ where: { id: "risk.op7" } }))!.retiredAt).toBeNull();
    expect(await h.prisma.endpoint.count({ where: { retiredAt: null } })).toBe(300);
  });

  it("retires endpoints that leave the catalog; apps keep them in their history", async () => {
    const r = await createAppViaSlack(h, { userId: "UCAT0001", title: "Uses cards", endpoints: ["cards.op1", "payments.op1"] });
    await h.app.stop();
    h = await startHarness({ db, standIn: h.standIn, env: { ENDPOINTS_FILE: small() } });
    expect(await h.prisma.endpoint.count({ where: { retiredAt: null } })).toBe(240);
    expect(await h.prisma.endpoint.count({ where: { retiredAt: { not: null } } })).toBe(60);
    expect(await h.prisma.appEndpoint.count({ where: { appId: r.app!.id } })).toBe(2);
    const n = h.standIn.calls.length;
    await h.slack.command(`show ${r.app!.publicId}`, { userId: "UCAT0001" });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    const shown = JSON.stringify(h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args.blocks);
    expect(shown).toContain("/cards/r1/{id}");
    expect(shown).toContain("(retired)");
  });
});
