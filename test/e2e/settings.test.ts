// `/apps settings`: admins see and change the audit channel, rotation channel and rotation
// period at run time; values are stored in the database and override the environment.
import cron from "node-cron";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { Database } from "../../src/platform/db/database.js";
import { slotOf } from "../../src/platform/jobs/scheduler.js";
import { SettingsService } from "../../src/features/settings/service.js";
import { RotationJobs, RotationWorker, rotationClient } from "../../src/features/rotation/worker.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";
import { seedApp, seedCredential } from "../support/rotation-seed.js";

const ADMIN = "UADMIN001";
const ALICE = "UALICE001";
const ENV_ROT = "C0ENVROT1";
const DAY = 86_400_000;
const clock = testClock(new Date("2026-03-02T09:00:00Z")); // a Monday, 09:00 UTC

let h: Harness;
let other: Database;
beforeAll(async () => {
  h = await startHarness({
    env: { ADMIN_USER_IDS: ADMIN, ROTATION_CHANNEL_ID: ENV_ROT, TZ: "UTC" },
    clock,
    appOptions: { noWorkers: true },
  });
  // A second connection to the same database: another replica's view of the settings.
  other = await h.db.open();
});
afterAll(async () => h?.close());

async function openSettings(userId: string) {
  const n = h.standIn.calls.length;
  await h.slack.command("settings", { userId });
  await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "views.open" || x.method === "response_url"));
  return h.standIn.calls.slice(n).find((x) => x.method === "views.open" || x.method === "response_url")!;
}

describe("/apps settings", () => {
  it("refuses people who are not admins", async () => {
    const reply = await openSettings(ALICE);
    expect(reply.method).toBe("response_url");
    expect(reply.args.response_type).toBe("ephemeral");
    expect(reply.args.text).toMatch(/Only AppKeys admins/);
    expect(h.standIn.callsTo("views.open")).toHaveLength(0);
  });

  it("shows the effective values and their source; validates; saves, audits and applies them at once", async () => {
    const open = await openSettings(ADMIN);
    expect(open.method).toBe("views.open");
    const viewId: string = open.response.view.id;
    const shown = JSON.stringify(open.args.view.blocks);
    expect(shown).toContain(`<#${ENV_ROT}> — from \`ROTATION_CHANNEL_ID\``);
    expect(shown).toMatch(/Audit channel\*: _not set_ — `AUDIT_CHANNEL_ID` is not set/);
    expect(shown).toMatch(/90 days — from `ROTATION_DAYS`/);
    const rotationInput = open.args.view.blocks.find((b: any) => b.block_id === "settings_rotation");
    expect(rotationInput.element).toMatchObject({ type: "conversations_select", initial_conversation: ENV_ROT });

    for (const [values, block, msg] of [
      [{ settings_days: "0" }, "settings_days", /1 to 3650/],
      [{ settings_days: "3651" }, "settings_days", /1 to 3650/],
      [{ settings_days: "12.5" }, "settings_days", /whole number/],
      [{ settings_audit: "D0DIRECT1" }, "settings_audit", /not a direct message/],
    ] as const) {
      const res = await h.slack.submitView(viewId, values, { userId: ADMIN });
      expect(res.body.response_action, JSON.stringify(values)).toBe("errors");
      expect(res.body.errors[block]).toMatch(msg);
    }
    expect(await h.prisma.setting.count()).toBe(0);

    const saved = await h.slack.submitView(
      viewId,
      { settings_audit: "C0AUDIT01", settings_rotation: "C0ROT0002", settings_days: "30" },
      { userId: ADMIN },
    );
    expect(saved.body.response_action).toBe("update");
    const text = JSON.stringify(saved.body.view);
    expect(text).toContain("Saved");
    expect(text).toContain(`<#${ENV_ROT}> → <#C0ROT0002>`);
    expect(text).toContain("90 days → 30 days");
    const rows = await h.prisma.setting.findMany({ orderBy: { key: "asc" } });
    expect(rows.map((r) => [r.key, r.value, r.updatedBy])).toEqual([
      ["auditChannelId", "C0AUDIT01", ADMIN],
      ["rotationChannelId", "C0ROT0002", ADMIN],
      ["rotationDays", "30", ADMIN],
    ]);
    const audit = await h.prisma.auditEvent.findMany({ where: { action: "settings.changed" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(ADMIN);
    expect(audit[0]!.details).toEqual({
      changes: [
        { key: "auditChannelId", from: null, to: "C0AUDIT01" },
        { key: "rotationChannelId", from: ENV_ROT, to: "C0ROT0002" },
        { key: "rotationDays", from: "90", to: "30" },
      ],
    });
    // Every replica reads them on the next use: no restart.
    const elsewhere = new SettingsService(other.prisma, h.app.services.config);
    expect(await elsewhere.effective()).toEqual({ auditChannelId: "C0AUDIT01", rotationChannelId: "C0ROT0002", rotationDays: 30 });

    // In effect for rotation: a key 20 days old is due in 10 days with a 30-day period.
    const app = await seedApp(h.prisma, { title: "Billing", owner: ALICE });
    await seedCredential(h.prisma, { appId: app.id, createdAt: new Date(clock().getTime() - 20 * DAY), lastUsedAt: clock() });
    const n = h.standIn.calls.length;
    const jobs = new RotationJobs(h.app.services, rotationClient(h.app.bolt.client, h.app.services));
    expect((await jobs.runRotation(slotOf(clock()))).ran).toBe(true);
    const posted = h.standIn.calls.slice(n).filter((c) => c.method === "chat.postMessage");
    expect(posted.map((c) => c.args.channel).sort()).toEqual(["C0ROT0002", ALICE].sort());
    const dm = JSON.stringify(posted.find((c) => c.args.channel === ALICE)!.args.blocks);
    expect(dm).toContain("every *30 days*");
    expect(dm).toContain("Due for rotation in 10 days");

    // Reopened: the source says who changed it.
    const again = await openSettings(ADMIN);
    expect(JSON.stringify(again.args.view.blocks)).toContain(`<#C0ROT0002> — changed by <@${ADMIN}>`);
    // Clearing the rotation channel falls back to the environment's; an unchanged form writes nothing.
    const cleared = await h.slack.submitView(again.response.view.id, { settings_rotation: null }, { userId: ADMIN });
    expect(JSON.stringify(cleared.body.view)).toContain(`<#C0ROT0002> → <#${ENV_ROT}>`);
    expect(await h.prisma.setting.findUnique({ where: { key: "rotationChannelId" } })).toBeNull();
    expect((await elsewhere.effective()).rotationChannelId).toBe(ENV_ROT);
    const third = await openSettings(ADMIN);
    const same = await h.slack.submitView(third.response.view.id, {}, { userId: ADMIN });
    expect(JSON.stringify(same.body.view)).toContain("Nothing changed");
    expect(await h.prisma.auditEvent.count({ where: { action: "settings.changed" } })).toBe(2);
    expect(h.standIn.violations).toEqual([]);
  });

  it("refuses a forged submission from someone who is not an admin", async () => {
    const open = await openSettings(ADMIN);
    const before = await h.prisma.setting.findMany();
    const res = await h.slack.submitView(open.response.view.id, { settings_days: "7" }, { userId: ALICE });
    expect(JSON.stringify(res.body)).toMatch(/Only AppKeys admins/);
    expect(await h.prisma.setting.findMany()).toEqual(before);
    expect(h.standIn.violations).toEqual([]);
  });
});

describe("rotation worker", () => {
  it("schedules ROTATION_CRON in TZ on one per-minute task, and stops it", async () => {
    const s = {
      ...h.app.services,
      clock: () => new Date("2026-03-02T09:00:00Z"), // Monday, 10:00 in Berlin
      config: loadConfig({
        SLACK_BOT_TOKEN: "xoxb-x",
        SLACK_SIGNING_SECRET: "test-signing-secret",
        TZ: "Europe/Berlin",
        ROTATION_CRON: "30 8 * * 1-5",
      }),
    };
    const before = cron.getTasks().size;
    const w = new RotationWorker(s, new RotationJobs(s, rotationClient(h.app.bolt.client, s)));
    w.start();
    // One task, every minute, in TZ: it runs the latest ROTATION_CRON fire (a no-op once claimed).
    const tasks = [...cron.getTasks().values()].filter((t) => t.name?.startsWith("appkeys-rotation"));
    expect(tasks.map((t) => [t.name, t.getPattern()])).toEqual([["appkeys-rotation", "* * * * *"]]);
    expect(cron.getTasks().size).toBe(before + 1);
    // 08:30 in Berlin (CET) that morning, not 08:30 UTC.
    expect(w.jobs.latestRotationSlot()).toBe("2026-03-02T07:30:00.000Z");
    await w.stop();
    expect(cron.getTasks().size).toBe(before);
  });
});
