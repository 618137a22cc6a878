// The rotation SQL against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL):
// the SQL stage/day arithmetic agrees with the TypeScript, and claims hand work out once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../platform/db/database.js";
import {
  MAX_SEND_ATTEMPTS,
  REMINDER_LEASE_MS,
  claimRecipients,
  loadClaimedReminders,
  partitionReminders,
  daysLeft,
  markRemindersFailed,
  stageFor,
  stagesInSql,
  sweepReminders,
} from "./service.js";
import { SLOT_LEASE_MS, claimSlot, failSlot, finishSlot, touchSlot } from "../../platform/jobs/scheduler.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/test-db.js";
import { seedApp, seedCredential } from "../../../test/support/rotation-seed.js";

const DAY = 86_400_000;
const NOW = new Date("2026-04-01T07:00:00Z");

let tdb: TestDatabase;
let db: Database;
beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
});
afterAll(async () => tdb?.drop());

async function reset() {
  await db.prisma.$executeRawUnsafe("DELETE FROM rotation_reminder");
  await db.prisma.$executeRawUnsafe("DELETE FROM credential");
  await db.prisma.$executeRawUnsafe("DELETE FROM app");
  await db.prisma.$executeRawUnsafe("DELETE FROM job_run");
}

describe("stage SQL", () => {
  it("matches stageFor() for every day from 800 days overdue to 30 days ahead", async () => {
    const values = Array.from({ length: 831 }, (_, i) => i - 800);
    const rows = await stagesInSql(db.prisma, values);
    expect(rows).toHaveLength(values.length);
    for (const r of rows) expect(r.stage, `dl ${r.dl}`).toBe(stageFor(r.dl));
  });
});

describe("sweepReminders", () => {
  beforeEach(reset);

  for (const timeZone of ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"]) {
    it(`creates the current stage for each owner, as daysLeft() counts days in ${timeZone}`, async () => {
      const app = await seedApp(db.prisma, { title: "A", owner: "UOWNER1", coOwners: ["UCOOWN1"] });
      const creds = [];
      // Every 13 hours over 200 days: every hour of the day, both sides of DST changes.
      for (let t = NOW.getTime() - 200 * DAY; t < NOW.getTime(); t += 13 * 3_600_000) {
        creds.push(await seedCredential(db.prisma, { appId: app.id, createdAt: new Date(t) }));
      }
      const res = await sweepReminders(db.prisma, { now: NOW, rotationDays: 90, timeZone, claimer: "c1", batchSize: 97 });
      const rows = await db.prisma.rotationReminder.findMany();
      const expected = new Map<string, string>();
      for (const c of creds) {
        const s = stageFor(daysLeft(c.createdAt, 90, NOW, timeZone));
        if (s) for (const u of ["UOWNER1", "UCOOWN1"]) expected.set(`${c.id} ${s} ${u}`, u);
      }
      expect(rows.map((r) => `${r.credentialId} ${r.stage} ${r.ownerId}`).sort()).toEqual([...expected.keys()].sort());
      expect(res.created).toBe(expected.size);
      expect(res.batches).toBeGreaterThan(1);
      for (const r of rows) {
        expect(r.ownerId).toBe(expected.get(`${r.credentialId} ${r.stage} ${r.ownerId}`));
        expect(r.claimedBy).toBe("c1");
        const c = creds.find((x) => x.id === r.credentialId)!;
        expect(r.dueAt.getTime()).toBe(c.createdAt.getTime() + 90 * DAY);
      }
      // Idempotent.
      const again = await sweepReminders(db.prisma, { now: NOW, rotationDays: 90, timeZone, claimer: "c2" });
      expect(again.created).toBe(0);
      expect(await db.prisma.rotationReminder.count()).toBe(expected.size);
    });
  }

  it("creates nothing for revoked, rotating, snoozed and archived keys; their pending rows are dropped at send", async () => {
    const tz = "UTC";
    const app = await seedApp(db.prisma, { title: "A", owner: "UOWNER1" });
    const old = new Date(NOW.getTime() - 80 * DAY); // 10 days left: due-14
    const [plain, revoked, rotating, snoozed, archivedKey] = [
      await seedCredential(db.prisma, { appId: app.id, createdAt: old }),
      await seedCredential(db.prisma, { appId: app.id, createdAt: old }),
      await seedCredential(db.prisma, { appId: app.id, createdAt: old }),
      await seedCredential(db.prisma, { appId: app.id, createdAt: old }),
      await seedCredential(db.prisma, { appId: (await seedApp(db.prisma, { title: "B", owner: "UOWNER1" })).id, createdAt: old }),
    ];
    await sweepReminders(db.prisma, { now: NOW, rotationDays: 90, timeZone: tz, claimer: "c1" });
    expect(await db.prisma.rotationReminder.count({ where: { stage: "due-14", ownerId: "UOWNER1" } })).toBe(5);
    // Unsent (a failed send released them), then the keys change.
    await markRemindersFailed(
      db.prisma,
      (await db.prisma.rotationReminder.findMany()).map((r) => r.id),
      "c1",
      NOW,
      "fatal_error",
      false,
    );
    await db.prisma.credential.update({ where: { id: revoked.id }, data: { status: "REVOKED", revokedAt: NOW } });
    await db.prisma.credential.update({ where: { id: rotating.id }, data: { revokeAt: new Date(NOW.getTime() + DAY) } });
    await db.prisma.credential.update({ where: { id: snoozed.id }, data: { snoozedUntil: new Date(NOW.getTime() + 20 * DAY) } });
    await db.prisma.app.update({ where: { id: archivedKey.appId }, data: { archivedAt: NOW } });
    const later = new Date(NOW.getTime() + 4 * DAY); // 6 days left: due-7
    const res = await sweepReminders(db.prisma, { now: later, rotationDays: 90, timeZone: tz, claimer: "c2" });
    expect(res.created).toBe(1);
    const fresh = await db.prisma.rotationReminder.findMany({ where: { claimedBy: "c2" } });
    expect(fresh.map((r) => [r.credentialId, r.stage])).toEqual([[plain.id, "due-7"]]);
    // When UOWNER1's reminders are claimed for sending, only the current one is kept.
    await db.prisma.rotationReminder.updateMany({ data: { claimedBy: "c3" } });
    const claimed = await loadClaimedReminders(db.prisma, "UOWNER1", "c3");
    expect(claimed).toHaveLength(6);
    const now90 = partitionReminders(claimed, later, { rotationDays: 90, timeZone: tz });
    expect(now90.send.map((r) => [r.credentialId, r.stage])).toEqual([[plain.id, "due-7"]]);
    expect(now90.drop.map((r) => r.credentialId).sort()).toEqual([plain.id, revoked.id, rotating.id, snoozed.id, archivedKey.id].sort());
    // A longer rotation period: nothing is due any more.
    expect(partitionReminders(claimed, later, { rotationDays: 365, timeZone: tz }).send).toEqual([]);
  });
});

describe("claims", () => {
  beforeEach(reset);

  it("claimSlot: one winner; a finished slot stays taken; an abandoned one is taken over after the lease", async () => {
    const t0 = NOW;
    const results = await Promise.all(["a", "b", "c", "d"].map((c) => claimSlot(db.prisma, "job", "s1", c, t0)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = ["a", "b", "c", "d"][results.indexOf(true)]!;
    expect(await claimSlot(db.prisma, "job", "s1", "e", new Date(t0.getTime() + SLOT_LEASE_MS - 1000))).toBe(false);
    expect(await touchSlot(db.prisma, "job", "s1", winner, new Date(t0.getTime() + 60_000))).toBe(true);
    // Not refreshed for the lease: presumed dead, taken over by exactly one.
    const late = new Date(t0.getTime() + 60_000 + SLOT_LEASE_MS + 1);
    const takeovers = await Promise.all(["f", "g"].map((c) => claimSlot(db.prisma, "job", "s1", c, late)));
    expect(takeovers.filter(Boolean)).toHaveLength(1);
    expect(await finishSlot(db.prisma, "job", "s1", winner, late)).toBe(false); // lost it
    expect(await touchSlot(db.prisma, "job", "s1", winner, late)).toBe(false);
    const newOwner = takeovers[0] ? "f" : "g";
    expect(await finishSlot(db.prisma, "job", "s1", newOwner, late)).toBe(true);
    expect(await claimSlot(db.prisma, "job", "s1", "h", new Date(late.getTime() + 365 * DAY))).toBe(false);
    // A failed run is retried after the lease.
    expect(await claimSlot(db.prisma, "job", "s2", "a", t0)).toBe(true);
    await failSlot(db.prisma, "job", "s2", "a", t0, "boom");
    expect(await claimSlot(db.prisma, "job", "s2", "b", new Date(t0.getTime() + 60_000))).toBe(false);
    expect(await claimSlot(db.prisma, "job", "s2", "b", new Date(t0.getTime() + SLOT_LEASE_MS + 1))).toBe(true);
    expect((await db.prisma.jobRun.findUnique({ where: { job_slot: { job: "job", slot: "s2" } } }))!.error).toBeNull();
  });

  it("claimRecipients: all of a recipient's rows to one claimer; expired claims and back-off", async () => {
    const apps = await Promise.all(["U1", "U2", "U3"].map((u) => seedApp(db.prisma, { title: u, owner: u })));
    for (const a of apps)
      for (let i = 0; i < 3; i++) await seedCredential(db.prisma, { appId: a.id, createdAt: new Date(NOW.getTime() - 85 * DAY) });
    // Rows not pre-claimed: as if a sweep's claims had long expired.
    await sweepReminders(db.prisma, { now: NOW, rotationDays: 90, timeZone: "UTC", claimer: "sweeper" });
    await db.prisma.rotationReminder.updateMany({ data: { claimedBy: null, claimedAt: null } });
    const [a, b] = await Promise.all([
      claimRecipients(db.prisma, { now: NOW, claimer: "A", after: "", limit: 2 }),
      claimRecipients(db.prisma, { now: NOW, claimer: "B", after: "", limit: 2 }),
    ]);
    const byClaimer = await db.prisma.rotationReminder.groupBy({ by: ["ownerId", "claimedBy"], _count: true });
    // Never split: each recipient's rows all belong to one claimer.
    const owners = new Map<string, Set<string | null>>();
    for (const g of byClaimer) owners.set(g.ownerId, (owners.get(g.ownerId) ?? new Set()).add(g.claimedBy));
    for (const s of owners.values()) expect(s.size).toBe(1);
    expect([...a.owners, ...b.owners].length).toBe(new Set([...a.owners, ...b.owners]).size);
    // Continue from `last`: everything gets claimed by someone.
    const rest = await claimRecipients(db.prisma, { now: NOW, claimer: "A", after: a.last!, limit: 10 });
    const claimed = new Set([...a.owners, ...b.owners, ...rest.owners]);
    expect(claimed).toEqual(new Set(["U1", "U2", "U3"]));
    // Live claims are not taken; expired ones are.
    expect((await claimRecipients(db.prisma, { now: NOW, claimer: "C", after: "", limit: 10 })).owners).toEqual([]);
    const expired = new Date(NOW.getTime() + REMINDER_LEASE_MS + 1000);
    expect((await claimRecipients(db.prisma, { now: expired, claimer: "C", after: "", limit: 10 })).owners).toEqual(["U1", "U2", "U3"]);
    // A failed send waits 20 minutes (then 40, 80…), and is given up after MAX_SEND_ATTEMPTS.
    const u1 = (await db.prisma.rotationReminder.findMany({ where: { ownerId: "U1" } })).map((r) => r.id);
    await db.prisma.rotationReminder.updateMany({ where: { ownerId: { in: ["U2", "U3"] } }, data: { sentAt: expired } });
    await markRemindersFailed(db.prisma, u1, "C", expired, "fatal_error", false);
    const at = (min: number) => new Date(expired.getTime() + min * 60_000);
    expect((await claimRecipients(db.prisma, { now: at(19), claimer: "D", after: "", limit: 10 })).owners).toEqual([]);
    expect((await claimRecipients(db.prisma, { now: at(21), claimer: "D", after: "", limit: 10 })).owners).toEqual(["U1"]);
    await markRemindersFailed(db.prisma, u1, "D", at(21), "user_not_found", true);
    expect((await db.prisma.rotationReminder.findFirst({ where: { id: u1[0] } }))!.attempts).toBe(MAX_SEND_ATTEMPTS);
    expect((await claimRecipients(db.prisma, { now: at(100_000), claimer: "E", after: "", limit: 10 })).owners).not.toContain("U1");
  });
});
