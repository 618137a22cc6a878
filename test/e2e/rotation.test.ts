// Rotation reminders end to end: the real app against the Slack stand-in, the clock injected and
// the scheduled jobs called directly (never waiting for cron).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedCall } from "../support/slack-standin.js";
import { startHarness, testClock, TEAM, type Harness } from "../support/harness.js";
import { createAppViaSlack } from "../support/flows.js";
import { seedApp, seedCredential } from "../support/rotation-seed.js";
import { RotationJobs, rotationClient, type RotationJobsOptions } from "../../src/features/rotation/worker.js";
import { createPacer, slotOf, type Pacer } from "../../src/platform/jobs/scheduler.js";

const TZ = "Europe/Berlin";
const ROT = "C0ROTATE1";
const ALICE = "UALICE001";
const BOB = "UBOB00001";
const CAROL = "UCAROL001";
const DAY = 86_400_000;
const MIN = 60_000;
const ENV = { ROTATION_CHANNEL_ID: ROT, TZ, ROTATION_DAYS: "90" };

/** 09:00 in Berlin, `d` days after Monday 5 January 2026 (CET until 29 March, then CEST). */
function berlin9(d: number): Date {
  const midnight = Date.UTC(2026, 0, 5 + d);
  const cest = midnight >= Date.UTC(2026, 2, 29) && midnight < Date.UTC(2026, 9, 25);
  return new Date(midnight + (cest ? 7 : 8) * 3_600_000);
}
const weekday = (d: number) => [1, 2, 3, 4, 5].includes(new Date(Date.UTC(2026, 0, 5 + d)).getUTCDay());

const clock = testClock(berlin9(0));
let h: Harness;

function jobs(harness: Harness, o: RotationJobsOptions = {}) {
  return new RotationJobs(harness.app.services, rotationClient(harness.app.bolt.client, harness.app.services), { replicaId: "test", ...o });
}

function posts(from: number, to?: number): RecordedCall[] {
  return h.standIn.calls.slice(from, to).filter((c) => c.method === "chat.postMessage");
}
const ok = (c: RecordedCall) => c.response?.ok === true;
const credIdsIn = (c: RecordedCall): string[] =>
  (c.args.blocks ?? [])
    .filter((b: any) => b.type === "actions" && String(b.block_id).startsWith("rotation_"))
    .map((b: any) => String(b.block_id).slice("rotation_".length));
const textOf = (c: RecordedCall) => JSON.stringify(c.args.blocks ?? []);

async function reset() {
  for (const t of ["rotation_reminder", "approval", "credential", "app", "job_run", "audit_event", "setting"]) {
    await h.prisma.$executeRawUnsafe(`DELETE FROM "${t}"`);
  }
}

beforeAll(async () => {
  h = await startHarness({ env: ENV, clock, appOptions: { noWorkers: true } });
});
afterAll(async () => h?.close());

describe("rotation reminders over 120 days", () => {
  it("sends every stage once per key and owner, one DM per owner per run; snooze holds and resumes; rotated and revoked keys stop", async () => {
    const j = jobs(h);
    // Day 0, Monday 09:00: three apps through Slack, Bob co-owns Payments.
    const pay = await createAppViaSlack(h, { userId: ALICE, title: "Payments" });
    const led = await createAppViaSlack(h, { userId: ALICE, title: "Ledger" });
    const sea = await createAppViaSlack(h, { userId: BOB, title: "Search" });
    await h.prisma.appOwner.create({ data: { appId: pay.app!.id, userId: BOB, role: "co-owner", addedBy: ALICE } });
    const first = async (appId: string) => (await h.prisma.credential.findFirstOrThrow({ where: { appId } })).id;
    const K1 = await first(pay.app!.id);
    const K2 = await first(led.app!.id);
    const K3 = await first(sea.app!.id);
    const K5 = (await seedCredential(h.prisma, { appId: led.app!.id, createdAt: berlin9(0), environment: "staging", label: "batch jobs" }))
      .id;
    const K6 = (await seedCredential(h.prisma, { appId: sea.app!.id, createdAt: berlin9(0) })).id;
    // Thursday: due on a Wednesday, never used (offered Revoke instead of Rotate now).
    const K4 = (await seedCredential(h.prisma, { appId: sea.app!.id, createdAt: berlin9(3), environment: "production" })).id;
    // Issue 5 tracks use; here the keys in use are simply marked so.
    await h.prisma.credential.updateMany({ where: { id: { in: [K1, K2, K3, K5] } }, data: { lastUsedAt: berlin9(1) } });
    const owners: Record<string, string[]> = { [K1]: [ALICE, BOB], [K2]: [ALICE], [K5]: [ALICE], [K3]: [BOB], [K4]: [BOB], [K6]: [BOB] };
    const created: Record<string, number> = { [K1]: 0, [K2]: 0, [K3]: 0, [K5]: 0, [K6]: 0, [K4]: 3 };
    const name: Record<string, string> = { [K1]: "K1", [K2]: "K2", [K3]: "K3", [K4]: "K4", [K5]: "K5", [K6]: "K6" };

    const arrivals = new Map<string, Array<{ day: number; text: string }>>();
    const digestByDay = new Map<number, RecordedCall[]>();
    let snoozedUntil: Date | undefined;
    let dmCalls = 0;
    for (let d = 0; d <= 120; d++) {
      clock.set(berlin9(d));
      if (d === 80) {
        // Bob revokes K6 outright (the lifecycle service, as the revoke dialog does).
        await h.app.services.credentials.requestRevoke({ userId: BOB, teamId: TEAM, isAdmin: false, isApprover: false }, K6, {
          action: "now",
          reason: "no_longer_needed",
        });
      }
      const n = h.standIn.calls.length;
      await j.tick();
      const run = posts(n);
      expect(run.every(ok), JSON.stringify(run.filter((c) => !ok(c)).map((c) => c.response))).toBe(true);
      const dms = run.filter((c) => c.args.channel !== ROT);
      dmCalls += dms.length;
      // One DM per recipient per run.
      const perRecipient = new Map<string, number>();
      for (const c of dms) perRecipient.set(c.args.channel, (perRecipient.get(c.args.channel) ?? 0) + 1);
      for (const [who, count] of perRecipient) expect(count, `day ${d}, ${who}`).toBe(1);
      if (!weekday(d)) expect(run, `weekend day ${d}`).toEqual([]);
      for (const c of dms) {
        for (const cred of credIdsIn(c)) {
          const k = `${name[cred] ?? cred}|${c.args.channel}`;
          const section = (c.args.blocks as any[])[(c.args.blocks as any[]).findIndex((b) => b.block_id === `rotation_${cred}`) - 1];
          arrivals.set(k, [...(arrivals.get(k) ?? []), { day: d, text: section.text.text }]);
        }
      }
      const digests = run.filter((c) => c.args.channel === ROT);
      expect(digests.length, `digests on day ${d}`).toBeLessThanOrEqual(1);
      if (digests.length) digestByDay.set(d, digests);

      if (d === 77) {
        // Monday 23 March: the first reminders. Alice snoozes K5 from her DM at 10:00.
        const aliceDm = dms.find((c) => c.args.channel === ALICE)!;
        expect(credIdsIn(aliceDm).sort()).toEqual([K1, K2, K5].sort());
        expect(credIdsIn(dms.find((c) => c.args.channel === BOB)!).sort()).toEqual([K1, K3, K6].sort());
        clock.set(new Date(berlin9(d).getTime() + 60 * MIN));
        const viewId = await openSnooze(ALICE, K5, aliceDm);
        const bad = await h.slack.submitView(viewId, { snooze_days: "45", snooze_reason: "" }, { userId: ALICE });
        expect(bad.body.response_action).toBe("errors");
        expect(Object.keys(bad.body.errors).sort()).toEqual(["snooze_days", "snooze_reason"]);
        const good = await h.slack.submitView(
          viewId,
          { snooze_days: "10", snooze_reason: "Release freeze until April" },
          { userId: ALICE },
        );
        expect(good.body.response_action, JSON.stringify(good.body)).toBe("update");
        expect(JSON.stringify(good.body.view)).toMatch(/snoozed for 10 days/);
        snoozedUntil = new Date(clock().getTime() + 10 * DAY);
      }
      if (d === 86) {
        // K2's grace period ends at 10:00 today: the scheduler revokes it on time, not before.
        clock.set(new Date(berlin9(d).getTime() + 59 * MIN));
        await j.tick();
        expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: K2 } })).status).toBe("ACTIVE");
        clock.set(new Date(berlin9(d).getTime() + 60 * MIN));
        await j.tick();
        const k2 = await h.prisma.credential.findUniqueOrThrow({ where: { id: K2 } });
        expect([k2.status, k2.revokedAt]).toEqual(["REVOKED", clock()]);
        expect(posts(n).filter((c) => c.args.channel !== ROT)).toHaveLength(dms.length);
      }
      if (d === 85) {
        // Tuesday 31 March, after the run: Alice rotates K2 with a day's grace.
        clock.set(new Date(berlin9(d).getTime() + 60 * MIN));
        const out = await h.app.services.credentials.requestRevoke({ userId: ALICE, teamId: TEAM, isAdmin: false, isApprover: false }, K2, {
          action: "replace_grace",
          grace: "24h",
          reason: "routine_rotation",
        });
        expect(out.kind).toBe("scheduled");
      }
    }

    // The expected arrivals, from the product rules: a key is due 90 calendar days after it was
    // created; stages are 14–8 days left, 7–1, 0 to 6 days late, then each further week; a run
    // sends the current stage unless already sent; revoked, rotating and snoozed keys get none.
    const stage = (dl: number) => (dl > 14 ? null : dl > 7 ? "14" : dl > 0 ? "7" : dl > -7 ? "due" : `overdue:${Math.floor(-dl / 7)}`);
    const expected = new Map<string, number[]>();
    for (const [cred, who] of Object.entries(owners)) {
      for (const u of who) {
        const days: number[] = [];
        let last: string | null = null;
        for (let d = 0; d <= 120; d++) {
          if (!weekday(d)) continue;
          if (cred === K6 && d >= 80) continue; // revoked
          if (cred === K2 && d > 85) continue; // being replaced, then revoked
          if (cred === K5 && snoozedUntil && berlin9(d) >= new Date(berlin9(77).getTime() + MIN) && berlin9(d) < snoozedUntil) continue;
          const s = stage(created[cred]! + 90 - d);
          if (s && s !== last) {
            days.push(d);
            last = s;
          }
        }
        expected.set(`${name[cred]}|${u}`, days);
      }
    }
    const actual = new Map([...arrivals].map(([k, v]) => [k, v.map((a) => a.day)]));
    expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));

    // Spelled out for K1 (due Sunday 5 April): 23 Mar, 30 Mar, Mon 6 Apr (a day late), then weekly.
    expect(actual.get(`K1|${ALICE}`)).toEqual([77, 84, 91, 98, 105, 112, 119]);
    expect(actual.get(`K1|${BOB}`)).toEqual([77, 84, 91, 98, 105, 112, 119]);
    expect(arrivals.get(`K1|${ALICE}`)!.map((a) => a.text.split("\n").at(-1))).toEqual([
      expect.stringMatching(/^Due for rotation in 13 days/),
      expect.stringMatching(/^Due for rotation in 6 days/),
      expect.stringMatching(/^\*Overdue\* by 1 day \(/),
      expect.stringMatching(/^\*Overdue\* by 8 days/),
      expect.stringMatching(/^\*Overdue\* by 15 days/),
      expect.stringMatching(/^\*Overdue\* by 22 days/),
      expect.stringMatching(/^\*Overdue\* by 29 days/),
    ]);
    // K4 is due on Wednesday 8 April: "today" on the day itself; it was never used.
    expect(actual.get(`K4|${BOB}`)).toEqual([79, 86, 93, 100, 107, 114]);
    expect(arrivals.get(`K4|${BOB}`)![2]!.text).toMatch(/Due for rotation \*today\*[\s\S]*Never used/);
    // Snoozed on 23 March for 10 days: nothing until Friday 3 April (the 2nd still snoozed at 09:00).
    expect(actual.get(`K5|${ALICE}`)).toEqual([77, 88, 91, 98, 105, 112, 119]);
    // Rotated on 31 March, revoked on 26 March: nothing after.
    expect(actual.get(`K2|${ALICE}`)).toEqual([77, 84]);
    expect(actual.get(`K6|${BOB}`)).toEqual([77]);

    // Every weekday run happened once, in the right slot.
    // (Run records older than 90 days are pruned.)
    const runs = await h.prisma.jobRun.findMany({ where: { job: "rotation" }, orderBy: { slot: "asc" } });
    const kept = [...Array(121).keys()].filter((d) => weekday(d) && berlin9(d).getTime() >= berlin9(120).getTime() - 90 * DAY);
    expect(runs.map((r) => r.slot)).toEqual(kept.map((d) => berlin9(d).toISOString()));
    expect(runs.every((r) => r.finishedAt && !r.error)).toBe(true);
    expect(runs.map((r) => r.slot)).toContain(berlin9(91).toISOString());
    // The rows agree with the messages: each one sent once.
    const sent = await h.prisma.rotationReminder.count({ where: { sentAt: { not: null } } });
    expect(sent).toBe([...expected.values()].reduce((n, v) => n + v.length, 0));
    expect(await h.prisma.rotationReminder.count({ where: { sentAt: null } })).toBe(0);
    expect(dmCalls).toBeGreaterThan(0);

    // The grace period of K2 ended on time (Wednesday 1 April 10:00), by the scheduler, audited once.
    const k2 = await h.prisma.credential.findUniqueOrThrow({ where: { id: K2 } });
    expect(k2.status).toBe("REVOKED");
    const revokedAudit = await h.prisma.auditEvent.findMany({ where: { credentialId: K2, action: "credential.revoked" } });
    expect(revokedAudit).toHaveLength(1);
    expect(revokedAudit[0]!.details).toMatchObject({ scheduled: true });

    // Digest: one per run with keys due, counted and grouped by app and environment.
    const apr6 = digestByDay.get(91)!;
    expect(apr6).toHaveLength(1);
    const digest = textOf(apr6[0]!);
    // K1, K3, K5 a day late; K4 due in 2 days; K2 and K6 revoked.
    expect(digest).toContain("*4 API keys* due for rotation");
    expect(digest).toMatch(/\*3\* overdue/);
    expect(digest).toMatch(/\*1\* within 7 days/);
    for (const t of ["Payments", "Ledger", "Search"]) expect(digest).toContain(t);
    expect(digest).toMatch(/Search\* `app_\w+` · :rocket: Production — 1 key/);
    expect(digestByDay.get(76)).toBeUndefined(); // nothing due yet on Friday 20 March
    expect(digestByDay.get(77)).toHaveLength(1);

    // The snooze is audited and shown in the app's details.
    const snoozeAudit = await h.prisma.auditEvent.findFirstOrThrow({ where: { action: "credential.snoozed", credentialId: K5 } });
    expect(snoozeAudit.actorId).toBe(ALICE);
    expect(snoozeAudit.reason).toBe("Release freeze until April");
    expect(snoozeAudit.details).toMatchObject({ days: 10 });
    expect(h.standIn.violations).toEqual([]);
  }, 240_000);

  it('refuses Snooze to people who do not own the app, and "Rotate now" opens the revoke dialog', async () => {
    const k = await h.prisma.credential.findFirstOrThrow({ where: { status: "ACTIVE", app: { title: "Payments" } } });
    // Carol forges a Snooze click: the dialog explains, nothing changes.
    const n = h.standIn.calls.length;
    await h.slack.blockAction({ userId: CAROL, actionId: "cred_snooze", value: k.id, channelId: `D${CAROL}` });
    await h.standIn.waitFor((c) =>
      c.slice(n).some((x) => x.method === "views.update" && /Only the app's owners/.test(JSON.stringify(x.args.view))),
    );
    // Alice opens it, Carol submits Alice's form: refused again on submit.
    const dm = [...posts(0)].reverse().find((c) => c.args.channel === ALICE && credIdsIn(c).includes(k.id))!;
    const viewId = await openSnooze(ALICE, k.id, dm);
    const forged = await h.slack.submitView(viewId, { snooze_days: "5", snooze_reason: "not mine" }, { userId: CAROL });
    expect(JSON.stringify(forged.body)).toMatch(/Only the app's owners/);
    const after = await h.prisma.credential.findUniqueOrThrow({ where: { id: k.id } });
    expect(after.snoozedUntil).toEqual(k.snoozedUntil);
    // "Rotate now" is the lifecycle dialog's: revoke with a replacement and a grace period.
    const m = h.standIn.calls.length;
    await h.slack.blockAction({ userId: ALICE, actionId: "cred_rotate", value: k.id, channelId: `D${ALICE}`, messageTs: dm.response.ts });
    await h.standIn.waitFor((c) => c.slice(m).some((x) => x.method === "views.update" && /Revok/.test(JSON.stringify(x.args.view?.title))));
    expect(h.standIn.violations).toEqual([]);
  });
});

/** One digest: a single message, or parts 1..n of n, each once. */
function expectOneDigest(calls: RecordedCall[]) {
  expect(calls.length).toBeGreaterThan(0);
  if (calls.length === 1) return expect(calls[0]!.args.text).not.toMatch(/part \d/);
  calls.forEach((c, i) => {
    expect(c.args.text).toContain(`(part ${i + 1} of ${calls.length})`);
  });
}

/** Clicks Snooze in a reminder DM and returns the id of the Snooze dialog. */
async function openSnooze(userId: string, credId: string, dm: RecordedCall): Promise<string> {
  const n = h.standIn.calls.length;
  await h.slack.blockAction({ userId, actionId: "cred_snooze", value: credId, channelId: `D${userId}`, messageTs: dm.response.ts });
  await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "views.update" && x.args.view?.callback_id === "cred_snooze_modal"));
  const call = h.standIn.calls.slice(n).find((x) => x.method === "views.update" && x.args.view?.callback_id === "cred_snooze_modal")!;
  expect(JSON.stringify(call.args.view)).toContain(credId);
  return call.args.view_id;
}

describe("Slack limits", () => {
  it("splits a long reminder into parts of one DM, chunks the digest, and paces posts per channel", async () => {
    await reset();
    const now = new Date("2026-06-01T07:00:00Z"); // Monday 09:00 CEST
    clock.set(now);
    for (let a = 0; a < 40; a++) {
      const app = await seedApp(h.prisma, { title: `Service ${String(a).padStart(2, "0")}`, owner: ALICE, coOwners: a < 5 ? [BOB] : [] });
      for (const env of ["development", "staging", "production"] as const) {
        await seedCredential(h.prisma, {
          appId: app.id,
          createdAt: new Date(now.getTime() - (100 + a) * DAY),
          environment: env,
          lastUsedAt: now,
        });
      }
    }
    let vt = 0;
    const sends: Array<[string, number]> = [];
    const inner = createPacer({
      now: () => vt,
      sleep: async (ms) => {
        vt += ms;
      },
    });
    const pacer: Pacer = {
      wait: async (key) => {
        await inner.wait(key);
        sends.push([key, vt]);
      },
      pause: inner.pause,
    };
    const n = h.standIn.calls.length;
    const res = await jobs(h, { pacer }).runRotation(slotOf(now));
    expect(res.ran).toBe(true);
    const run = posts(n);
    expect(run.every(ok)).toBe(true);
    const alice = run.filter((c) => c.args.channel === ALICE);
    const bob = run.filter((c) => c.args.channel === BOB);
    const digest = run.filter((c) => c.args.channel === ROT);
    expect(alice.length).toBeGreaterThan(1);
    expect(bob).toHaveLength(1);
    expect(credIdsIn(bob[0]!)).toHaveLength(15);
    expect(digest.length).toBeGreaterThan(1);
    for (const c of run) expect(c.args.blocks.length).toBeLessThanOrEqual(50);
    alice.forEach((c, i) => {
      expect(c.args.text).toContain(`part ${i + 1} of ${alice.length}`);
    });
    // Every key once in Alice's parts, and once in the digest.
    const creds = await h.prisma.credential.findMany({ select: { id: true } });
    const aliceText = alice.map(textOf).join("\n");
    const digestText = digest.map(textOf).join("\n");
    for (const { id } of creds) {
      expect(aliceText.split(id).length - 1, id).toBeGreaterThanOrEqual(1);
      expect(digestText.split(`\`${id}\``).length - 1, id).toBe(1);
    }
    expect(digestText).toContain("*120* overdue");
    expect(await h.prisma.rotationReminder.count({ where: { sentAt: null } })).toBe(0);
    expect(await h.prisma.rotationReminder.count()).toBe(120 + 15);
    // Paced: at least 1.1 s between two posts to one channel, 0.2 s between any two.
    for (let i = 1; i < sends.length; i++) expect(sends[i]![1] - sends[i - 1]![1]).toBeGreaterThanOrEqual(200);
    for (const ch of [ALICE, ROT]) {
      const times = sends.filter(([k]) => k === ch).map(([, t]) => t);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1100);
    }
    expect(h.standIn.violations).toEqual([]);
  });
});

describe("failures and crashes", () => {
  async function seedOwners(n: number, now: Date) {
    const owners = Array.from({ length: n }, (_, i) => `UOWN${String(i).padStart(5, "0")}`);
    for (const o of owners) {
      const app = await seedApp(h.prisma, { title: `App of ${o}`, owner: o });
      await seedCredential(h.prisma, { appId: app.id, createdAt: new Date(now.getTime() - 80 * DAY), lastUsedAt: now });
    }
    return owners;
  }
  const okDmsTo = (from: number, who: string) => posts(from).filter((c) => c.args.channel === who && ok(c)).length;

  it("a failed send is retried with back-off until it goes through, once", async () => {
    await reset();
    const now = berlin9(154); // Monday 8 June
    clock.set(now);
    const owners = await seedOwners(4, now);
    const j = jobs(h);
    const n = h.standIn.calls.length;
    h.standIn.failNext("chat.postMessage", { error: "fatal_error", times: 2 });
    await j.tick();
    expect(posts(n).filter((c) => !ok(c))).toHaveLength(2);
    expect(owners.map((o) => okDmsTo(n, o))).toEqual([0, 0, 1, 1]);
    const failed = await h.prisma.rotationReminder.findMany({ where: { sentAt: null }, orderBy: { ownerId: "asc" } });
    expect(failed.map((r) => [r.ownerId, r.attempts, r.lastError])).toEqual([
      [owners[0], 1, "fatal_error"],
      [owners[1], 1, "fatal_error"],
    ]);
    expect(posts(n).filter((c) => c.args.channel === ROT && ok(c))).toHaveLength(1);
    // Back-off: not a minute later...
    clock.set(new Date(now.getTime() + MIN));
    await j.tick();
    expect(owners.map((o) => okDmsTo(n, o))).toEqual([0, 0, 1, 1]);
    // ...but 21 minutes later, and only those two.
    clock.set(new Date(now.getTime() + 21 * MIN));
    await j.tick();
    expect(owners.map((o) => okDmsTo(n, o))).toEqual([1, 1, 1, 1]);
    expect(posts(n).filter((c) => c.args.channel === ROT && ok(c))).toHaveLength(1);
    expect(await h.prisma.rotationReminder.count({ where: { sentAt: null } })).toBe(0);

    // Next day nothing new for the owners, only the digest, and the bot is not in the channel:
    // that digest is given up (not retried all day), the run finishes.
    const tue = berlin9(155);
    clock.set(tue);
    const m = h.standIn.calls.length;
    h.standIn.failNext("chat.postMessage", { error: "not_in_channel" });
    await j.tick();
    expect(posts(m).map((c) => [c.args.channel, c.response.error])).toEqual([[ROT, "not_in_channel"]]);
    const run = await h.prisma.jobRun.findUniqueOrThrow({ where: { job_slot: { job: "rotation", slot: slotOf(tue) } } });
    expect(run.finishedAt).not.toBeNull();
    const part = await h.prisma.jobRun.findUniqueOrThrow({ where: { job_slot: { job: "rotation-digest", slot: `${slotOf(tue)}#1` } } });
    expect([part.finishedAt !== null, part.error]).toEqual([true, "not_in_channel"]);
    clock.set(new Date(tue.getTime() + 30 * MIN));
    await j.tick();
    expect(posts(m)).toHaveLength(1);
    expect(h.logs.join("")).toMatch(/rotation channel refuses/);

    // Rate limited: the reminder waits for its back-off and the channel's pacing honours Retry-After.
    await reset();
    const wed = berlin9(156);
    clock.set(wed);
    const [only] = await seedOwners(1, wed);
    let vt = 0;
    const waits: number[] = [];
    const inner = createPacer({
      now: () => vt,
      sleep: async (ms) => {
        vt += ms;
      },
    });
    const pacer: Pacer = {
      wait: async (k) => {
        await inner.wait(k);
        waits.push(vt);
      },
      pause: inner.pause,
    };
    const limited = jobs(h, { pacer });
    h.standIn.failNext("chat.postMessage", { status: 429, retryAfter: 30 });
    await limited.tick();
    const row = await h.prisma.rotationReminder.findFirstOrThrow({ where: { ownerId: only } });
    expect([row.sentAt, row.attempts, row.lastError]).toEqual([null, 1, "ratelimited"]);
    clock.set(new Date(wed.getTime() + 21 * MIN));
    const before = vt;
    await limited.drain();
    expect(vt - before).toBeGreaterThanOrEqual(29_000);
    expect((await h.prisma.rotationReminder.findFirstOrThrow({ where: { ownerId: only } })).sentAt).not.toBeNull();
    expect(h.standIn.violations).toEqual([]);
  });

  it("a run that dies half way is finished by the next tick once its claims expire: nothing twice, nothing missed", async () => {
    await reset();
    const now = berlin9(155); // Tuesday 9 June
    clock.set(now);
    const owners = await seedOwners(5, now);
    let sent = 0;
    const crashing = jobs(h, {
      replicaId: "doomed",
      afterPost: () => {
        if (++sent === 2) throw new Error("simulated crash");
      },
    });
    const n = h.standIn.calls.length;
    await expect(crashing.runRotation(slotOf(now))).rejects.toThrow(/simulated crash/);
    expect(owners.map((o) => okDmsTo(n, o))).toEqual([1, 1, 0, 0, 0]);
    expect(posts(n).filter((c) => c.args.channel === ROT)).toHaveLength(0);
    const slot = await h.prisma.jobRun.findUniqueOrThrow({ where: { job_slot: { job: "rotation", slot: slotOf(now) } } });
    expect(slot.finishedAt).toBeNull();
    // Another replica a minute later: the dead run's claims are still live, so it waits.
    const survivor = jobs(h, { replicaId: "survivor" });
    clock.set(new Date(now.getTime() + MIN));
    await survivor.tick();
    expect(owners.map((o) => okDmsTo(n, o))).toEqual([1, 1, 0, 0, 0]);
    // Eleven minutes later the claims have expired: it takes the run over and finishes it.
    clock.set(new Date(now.getTime() + 11 * MIN));
    await survivor.tick();
    expect(owners.map((o) => okDmsTo(n, o))).toEqual([1, 1, 1, 1, 1]);
    expect(posts(n).filter((c) => c.args.channel === ROT && ok(c))).toHaveLength(1);
    const done = await h.prisma.jobRun.findUniqueOrThrow({ where: { job_slot: { job: "rotation", slot: slotOf(now) } } });
    expect(done.finishedAt).not.toBeNull();
    expect(done.claimedBy).toMatch(/^survivor\//);
    expect(await h.prisma.rotationReminder.count({ where: { sentAt: null } })).toBe(0);
    expect(h.standIn.violations).toEqual([]);
  });
});

describe("two app instances on one database", () => {
  it("run the job at the same instant: every reminder, digest and scheduled revocation happens once", async () => {
    await reset();
    const h2 = await startHarness({ env: ENV, clock, db: h.db, standIn: h.standIn, appOptions: { noWorkers: true } });
    try {
      const now = berlin9(156); // Wednesday 10 June
      clock.set(now);
      const owners = Array.from({ length: 24 }, (_, i) => `UTWO${String(i).padStart(5, "0")}`);
      for (const o of owners) {
        const app = await seedApp(h.prisma, { title: `Two ${o}`, owner: o, coOwners: [owners[(owners.indexOf(o) + 1) % owners.length]!] });
        await seedCredential(h.prisma, { appId: app.id, createdAt: new Date(now.getTime() - 80 * DAY), lastUsedAt: now });
        await seedCredential(h.prisma, { appId: app.id, createdAt: new Date(now.getTime() - 120 * DAY), environment: "staging" });
      }
      // A grace period ending exactly now.
      const grace = await seedCredential(h.prisma, {
        appId: (await h.prisma.app.findFirstOrThrow()).id,
        createdAt: new Date(now.getTime() - 10 * DAY),
      });
      await h.prisma.credential.update({
        where: { id: grace.id },
        data: { revokeAt: now, revokeReason: "routine_rotation", revokedBy: owners[0] },
      });

      const a = jobs(h, { replicaId: "A", recipientsPerClaim: 3 });
      const b = jobs(h2, { replicaId: "B", recipientsPerClaim: 3 });
      const n = h.standIn.calls.length;
      await Promise.all([a.tick(), b.tick()]);
      const run = posts(n);
      expect(run.every(ok)).toBe(true);
      for (const o of owners)
        expect(
          run.filter((c) => c.args.channel === o),
          o,
        ).toHaveLength(1);
      for (const o of owners) expect(credIdsIn(run.find((c) => c.args.channel === o)!)).toHaveLength(4); // own 2 + co-owned 2
      expectOneDigest(run.filter((c) => c.args.channel === ROT));
      expect(await h.prisma.jobRun.count({ where: { job: "rotation" } })).toBe(1);
      expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: grace.id } })).status).toBe("REVOKED");
      expect(await h.prisma.auditEvent.count({ where: { credentialId: grace.id, action: "credential.revoked" } })).toBe(1);

      // A week later (new stages for every key) every send fails; 21 minutes later both
      // replicas drain at once, and one of them re-runs the failed run's digest.
      const next = berlin9(163);
      clock.set(next);
      const m = h.standIn.calls.length;
      // 24 DMs and the digest: the winner's run tries each once (the loser's drain finds them
      // claimed, then in back-off).
      h.standIn.failNext("chat.postMessage", { error: "fatal_error", times: owners.length + 1 });
      await Promise.all([a.tick(), b.tick()]);
      expect(posts(m).filter(ok)).toHaveLength(0);
      expect(posts(m).filter((c) => !ok(c))).toHaveLength(owners.length + 1);
      const k = h.standIn.calls.length;
      clock.set(new Date(next.getTime() + 21 * MIN));
      await Promise.all([a.tick(), b.tick()]);
      const retry = posts(k);
      expect(retry.every(ok)).toBe(true);
      for (const o of owners)
        expect(
          retry.filter((c) => c.args.channel === o),
          o,
        ).toHaveLength(1);
      expectOneDigest(retry.filter((c) => c.args.channel === ROT));
      expect(await h.prisma.rotationReminder.count({ where: { sentAt: null } })).toBe(0);
      expect(h.standIn.violations).toEqual([]);
    } finally {
      await h2.close();
    }
  }, 120_000);
});
