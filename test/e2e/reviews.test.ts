// Quarterly access reviews end to end: the review starts on its schedule, each owner gets one DM
// per app with Keep/Revoke, the review closes after ACCESS_REVIEW_DAYS with a summary, a report or
// enforced revocations; two instances sharing a database run it exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedCall } from "../support/slack-standin.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";
import { seedApp, seedCredential } from "../support/rotation-seed.js";
import { createTestDatabase } from "../support/test-db.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { ReviewJobs } from "../../src/features/reviews/worker.js";
import { rotationClient } from "../../src/features/rotation/worker.js";

const ALICE = "UALICE01";
const BOB = "UBOB0001";
const CAROL = "UCAROL01";
const DAVE = "UDAVE001";
const ADMIN = "UADMIN01";
const AUDIT = "C0AUDIT01";
const DAY = 86_400_000;
// Wednesday 1 April 2026, 09:00 UTC: the first weekday of the quarter.
const START = new Date("2026-04-01T09:00:00Z");

function jobs(h: Harness, replica = "r1") {
  return new ReviewJobs(h.app.services, rotationClient(h.app.bolt.client, h.app.services), replica);
}
const posts = (h: Harness, from: number, channel?: string): RecordedCall[] =>
  h.standIn.calls.slice(from).filter((c) => c.method === "chat.postMessage" && (!channel || c.args.channel === channel));

async function seed(h: Harness) {
  const at = new Date(START.getTime() - 30 * DAY);
  const a = await seedApp(h.prisma, { title: "Payments", owner: ALICE, coOwners: [BOB], createdAt: at });
  const b = await seedApp(h.prisma, { title: "Search", owner: CAROL, createdAt: at });
  const c = await seedApp(h.prisma, { title: "Reports", owner: DAVE, createdAt: at });
  const key = async (appId: string, environment: "production" | "development", label = "") =>
    (await seedCredential(h.prisma, { appId, createdAt: at, environment, label, lastUsedAt: at })).id;
  return {
    a,
    b,
    c,
    P1: await key(a.id, "production", "checkout"),
    P2: await key(a.id, "production", "refunds"),
    D1: await key(a.id, "development"),
    P3: await key(b.id, "production"),
    P4: await key(c.id, "production"),
  };
}

async function click(h: Harness, userId: string, actionId: string, value: string) {
  const n = h.standIn.calls.length;
  await h.slack.blockAction({ userId, actionId, value, channelId: `D${userId}` });
  await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
  return h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args;
}

describe("access reviews", () => {
  let h: Harness;
  const clock = testClock(START);
  let k: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    h = await startHarness({ clock, env: { TZ: "UTC", ADMIN_USER_IDS: ADMIN, AUDIT_CHANNEL_ID: AUDIT }, appOptions: { noWorkers: true } });
    k = await seed(h);
  });
  afterAll(async () => h?.close());

  it("runs a whole review: one DM per owner per app, keep, revoke, all at once, unanswered reported, late answers refused", async () => {
    const j = jobs(h);
    // The day before: nothing to start.
    clock.set(new Date(START.getTime() - DAY));
    expect((await j.tick()).started).toBeUndefined();
    clock.set(START);
    const n = h.standIn.calls.length;
    const t = await j.tick();
    expect(t.started).toMatchObject({ keys: 4, notices: 4 });
    const dms = posts(h, n);
    expect(dms.map((d) => d.args.channel).sort()).toEqual([ALICE, BOB, CAROL, DAVE]);
    const alices = dms.find((d) => d.args.channel === ALICE)!;
    const text = JSON.stringify(alices.args.blocks);
    expect(text).toContain(k.P1);
    expect(text).toContain(k.P2);
    expect(text).not.toContain(k.D1); // development keys are not reviewed
    const buttons = (alices.args.blocks as any[]).filter((b) => b.type === "actions").flatMap((b) => b.elements);
    const value = (action: string, cred?: string) =>
      buttons.find((e: any) => e.action_id === action && (!cred || e.value.endsWith(cred)))!.value;
    // The same minute again, or another tick: nothing more is sent.
    expect((await j.tick()).sent).toBe(0);
    expect(posts(h, n)).toHaveLength(4);

    // Alice keeps P1; Bob's later Revoke of P1 is refused; Bob revokes P2 at once.
    const kept = await click(h, ALICE, "review_keep", value("review_keep", k.P1));
    expect(kept.replace_original).toBe(true);
    expect(JSON.stringify(kept.blocks)).toContain(`Kept by <@${ALICE}>`);
    expect(String((await click(h, BOB, "review_revoke", value("review_revoke", k.P1))).text)).toContain(
      `Already answered: *keep* by <@${ALICE}>`,
    );
    await click(h, BOB, "review_revoke", value("review_revoke", k.P2));
    expect(await h.prisma.credential.findUniqueOrThrow({ where: { id: k.P2 } })).toMatchObject({
      status: "REVOKED",
      revokeReason: "access_review",
    });
    // A stranger cannot answer for the app.
    expect(String((await click(h, CAROL, "review_keep", value("review_keep", k.P1))).text)).toMatch(/Only the app's owners/);
    // Carol keeps all of Search at once.
    const carols = posts(h, n, CAROL)[0]!;
    const all = (carols.args.blocks as any[]).find((b) => b.block_id === "review_all").elements[0].value;
    await click(h, CAROL, "review_keep_all", all);
    expect(String((await click(h, CAROL, "review_keep_all", all)).text)).toContain("Already answered");

    // 14 days later the review closes: Dave never answered.
    clock.set(new Date(START.getTime() + 14 * DAY));
    const m = h.standIn.calls.length;
    const closed = await j.tick();
    expect(closed.closed).toHaveLength(1);
    expect(closed.closed[0]!.apps.map((a) => [a.app.title, a.kept.length, a.revoked.length, a.unanswered.length])).toEqual([
      ["Payments", 1, 1, 0],
      ["Reports", 0, 0, 1],
      ["Search", 1, 0, 0],
    ]);
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: k.P4 } })).status).toBe("ACTIVE");
    const summary = posts(h, m, AUDIT);
    expect(summary).toHaveLength(1);
    expect(summary[0]!.args.text).toBe("Access review closed: 2 kept, 1 revoked, 1 unanswered in 3 app(s)");
    expect(JSON.stringify(summary[0]!.args.blocks)).toContain(
      `*Reports* (\`${k.c.publicId}\`): 0 kept · 0 revoked · 1 unanswered (\`${k.P4}\`)`,
    );
    const report = posts(h, m, ADMIN);
    expect(report).toHaveLength(1);
    expect(JSON.stringify(report[0]!.args.blocks)).toContain(k.P4);
    // Closing is done once: further ticks post nothing.
    const q = h.standIn.calls.length;
    await j.tick();
    expect(posts(h, q)).toEqual([]);

    // Dave answers after the close: a clear answer, nothing changes.
    const daves = posts(h, n, DAVE)[0]!;
    const daveKeep = (daves.args.blocks as any[]).find((b) => b.type === "actions").elements[0].value;
    expect(String((await click(h, DAVE, "review_keep", daveKeep)).text)).toMatch(/This access review closed 2026-04-15/);
    const item = await h.prisma.accessReviewItem.findFirstOrThrow({ where: { credentialId: k.P4 } });
    expect(item).toMatchObject({ decision: null, outcome: "unanswered" });
    const actions = (await h.prisma.auditEvent.findMany({ where: { action: { startsWith: "review." } }, orderBy: { id: "asc" } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual([
      "review.started",
      "review.answered",
      "review.answered",
      "review.answered",
      "review.unanswered",
      "review.closed",
    ]);
    expect(h.standIn.violations).toEqual([]);
  });
});

describe("access reviews, enforced, on two instances", () => {
  const clock = testClock(START);
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let standIn: SlackStandIn;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    db = await createTestDatabase();
    standIn = await SlackStandIn.start({ teamId: "T0001" });
    const env = { TZ: "UTC", ADMIN_USER_IDS: ADMIN, AUDIT_CHANNEL_ID: AUDIT, ACCESS_REVIEW_ENFORCE: "true", ACCESS_REVIEW_DAYS: "7" };
    a = await startHarness({ clock, db, standIn, env, appOptions: { noWorkers: true } });
    b = await startHarness({ clock, db, standIn, env, appOptions: { noWorkers: true } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await standIn?.close();
    await db?.drop();
  });

  it("starts, sends and closes once when both run at the same instant; unanswered keys are revoked and their owners told", async () => {
    const k = await seed(a);
    const ja = jobs(a, "replica-a");
    const jb = jobs(b, "replica-b");
    const n = standIn.calls.length;
    const [ta, tb] = await Promise.all([ja.tick(), jb.tick()]);
    expect([ta.started, tb.started].filter(Boolean)).toHaveLength(1);
    expect(await a.prisma.accessReview.count()).toBe(1);
    expect(ta.sent + tb.sent).toBe(4);
    expect(
      posts(a, n)
        .map((d) => d.args.channel)
        .sort(),
    ).toEqual([ALICE, BOB, CAROL, DAVE]);

    // Alice keeps everything of Payments; nobody answers for Search and Reports.
    const alices = posts(a, n, ALICE)[0]!;
    const all = (alices.args.blocks as any[]).find((x) => x.block_id === "review_all").elements[0].value;
    await click(a, ALICE, "review_keep_all", all);

    clock.set(new Date(START.getTime() + 7 * DAY));
    const m = standIn.calls.length;
    const [ca, cb] = await Promise.all([ja.tick(), jb.tick()]);
    expect(ca.closed.length + cb.closed.length).toBe(1);
    const [closed] = [...ca.closed, ...cb.closed];
    expect(closed!.revokedKeys.map((x) => x.id).sort()).toEqual([k.P3, k.P4].sort());
    for (const id of [k.P3, k.P4]) {
      expect(await a.prisma.credential.findUniqueOrThrow({ where: { id } })).toMatchObject({
        status: "REVOKED",
        revokeReason: "access_review_unanswered",
      });
    }
    expect((await a.prisma.credential.findUniqueOrThrow({ where: { id: k.P1 } })).status).toBe("ACTIVE");
    // One summary, owners of revoked keys told once, no admin report (nothing left unanswered and active).
    expect(posts(a, m, AUDIT)).toHaveLength(1);
    expect(posts(a, m, AUDIT)[0]!.args.text).toContain("2 unanswered (2 revoked)");
    expect(posts(a, m, CAROL)).toHaveLength(1);
    expect(posts(a, m, CAROL)[0]!.args.text).toContain(k.P3);
    expect(posts(a, m, DAVE)).toHaveLength(1);
    expect(posts(a, m, ADMIN)).toEqual([]);
    expect(await a.prisma.auditEvent.count({ where: { action: "credential.revoked", reason: "access_review_unanswered" } })).toBe(2);
    // More ticks on both: nothing happens twice.
    const q = standIn.calls.length;
    await Promise.all([ja.tick(), jb.tick()]);
    expect(posts(a, q)).toEqual([]);
    expect(standIn.violations).toEqual([]);
  });
});
