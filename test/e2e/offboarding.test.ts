// Offboarding end to end: a deactivated Slack account (user_change, or users.info in the daily
// directory run) stops owning anything, its requests are cancelled, its keys flagged for rotation,
// and apps left with nobody are reported to the admins with Take over / Archive.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAppViaSlack } from "../support/flows.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";
import { DirectoryJobs } from "../../src/features/offboarding/worker.js";
import { RotationJobs, rotationClient } from "../../src/features/rotation/worker.js";
import { slotOf } from "../../src/platform/jobs/scheduler.js";

const ALICE = "UALICE01";
const BOB = "UBOB0001";
const CAROL = "UCAROL01";
const DAVE = "UDAVE001";
const ERIN = "UERIN001";
const ADMIN = "UADMIN01";
const SRE = "S0SRE001";
const DAY = 86_400_000;

describe("offboarding", () => {
  let h: Harness;
  const clock = testClock(new Date("2026-04-06T08:00:00Z"));

  beforeAll(async () => {
    h = await startHarness({
      clock,
      env: { ADMIN_USER_IDS: ADMIN, TZ: "UTC", OFFBOARD_ROTATE_DAYS: "10" },
      appOptions: { noWorkers: true },
    });
    for (const u of [ALICE, BOB, CAROL, DAVE, ERIN, ADMIN]) h.standIn.addUser(u);
    h.standIn.usergroups = { [SRE]: [DAVE, ERIN] };
  });
  afterAll(async () => h?.close());

  async function run(text: string, userId: string) {
    const n = h.standIn.calls.length;
    await h.slack.command(text, { userId });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    return String(h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args.text);
  }
  const deactivate = (userId: string, deleted = true, eventId?: string) => {
    h.standIn.users[userId]!.deleted = deleted;
    return h.slack.event({ type: "user_change", user: { ...h.standIn.users[userId], deleted } }, { eventId });
  };
  const ownersOf = async (appId: string) =>
    (await h.prisma.appOwner.findMany({ where: { appId }, orderBy: { userId: "asc" } })).map((o) => `${o.userId}:${o.role}`);
  const adminDms = (from: number) => h.standIn.calls.slice(from).filter((c) => c.method === "chat.postMessage" && c.args.channel === ADMIN);

  it("a departure with owners left: ownership removed everywhere, pending request cancelled, keys flagged and reminded to the others", async () => {
    const ledger = (await createAppViaSlack(h, { userId: ALICE, title: "Ledger" })).app!;
    expect(await run(`share Ledger <@${BOB}>`, ALICE)).toContain("is now a co-owner");
    const billing = (await createAppViaSlack(h, { userId: BOB, title: "Billing" })).app!;
    expect(await run(`share Billing <@${ALICE}>`, BOB)).toContain("is now a co-owner");
    const aliceKey = await h.prisma.credential.findFirstOrThrow({ where: { appId: ledger.id } });
    const bobKey = await h.prisma.credential.findFirstOrThrow({ where: { appId: billing.id } });
    const pending = await h.prisma.approval.create({
      data: { kind: "GENERATE", appId: billing.id, requesterId: ALICE, payload: { environment: "production", label: "" } },
    });

    const n = h.standIn.calls.length;
    await deactivate(ALICE, true, "EvAlice1");
    await vi.waitFor(async () => expect(await h.prisma.departedUser.count({ where: { userId: ALICE } })).toBe(1), { timeout: 10_000 });
    expect(await ownersOf(ledger.id)).toEqual([`${BOB}:co-owner`]);
    expect(await ownersOf(billing.id)).toEqual([`${BOB}:owner`]);
    expect((await h.prisma.approval.findUniqueOrThrow({ where: { id: pending.id } })).status).toBe("CANCELLED");
    const flagged = await h.prisma.credential.findUniqueOrThrow({ where: { id: aliceKey.id } });
    expect(flagged.status).toBe("ACTIVE");
    expect(flagged.creatorLeftAt).toEqual(clock());
    expect(flagged.rotateBy).toEqual(new Date(clock().getTime() + 10 * DAY));
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: bobKey.id } })).creatorLeftAt).toBeNull();

    const actions = (await h.prisma.auditEvent.findMany({ where: { actorId: "AppKeys" }, orderBy: { id: "asc" } })).map((e) => e.action);
    expect(actions).toEqual([
      "app.owner_departed",
      "app.owner_departed",
      "approval.cancelled",
      "credential.creator_left",
      "user.offboarded",
    ]);
    // Nobody left without an owner: no admin DM.
    expect(adminDms(n)).toEqual([]);

    // Slack retries the event: nothing happens twice.
    await deactivate(ALICE, true, "EvAlice1");
    await vi.waitFor(() => expect(h.logs.join("")).toContain("departure already handled"));
    expect(await h.prisma.auditEvent.count({ where: { action: "user.offboarded" } })).toBe(1);

    // Bob's details say so; the rotation run reminds him (not Alice) well before 90 days.
    expect(JSON.stringify(h.standIn.calls.at(-1))).toBeDefined();
    const shown = await h.slack.command("show Ledger", { userId: BOB });
    expect(shown.status).toBe(200);
    await h.standIn.waitFor((c) => JSON.stringify(c.at(-1)?.args ?? {}).includes("Creator left"));
    await h.prisma.credential.update({ where: { id: aliceKey.id }, data: { lastUsedAt: clock() } });
    const jobs = new RotationJobs(h.app.services, rotationClient(h.app.bolt.client, h.app.services), { replicaId: "t" });
    const m = h.standIn.calls.length;
    expect((await jobs.runRotation(slotOf(clock()))).ran).toBe(true);
    const dms = h.standIn.calls.slice(m).filter((c) => c.method === "chat.postMessage");
    expect(dms.map((c) => c.args.channel)).toEqual([BOB]);
    expect(JSON.stringify(dms[0]!.args.blocks)).toContain(aliceKey.id);
    expect(JSON.stringify(dms[0]!.args.blocks)).toContain("Creator left");
  });

  it("a departure leaving an app with nobody: one admin DM with Take over and Archive, each answered once", async () => {
    const solo = (await createAppViaSlack(h, { userId: CAROL, title: "Solo" })).app!;
    const other = (await createAppViaSlack(h, { userId: CAROL, title: "Other" })).app!;
    const n = h.standIn.calls.length;
    await deactivate(CAROL);
    await vi.waitFor(() => expect(adminDms(n)).toHaveLength(1), { timeout: 10_000 });
    const dm = adminDms(n)[0]!;
    expect(dm.args.text).toBe("2 apps left without an owner");
    const buttons = (dm.args.blocks as any[])
      .filter((b) => b.type === "actions")
      .flatMap((b) => b.elements.map((e: any) => `${e.action_id}:${e.value}`));
    expect(buttons).toEqual([
      `orphan_take_over:${other.publicId}`,
      `orphan_archive:${other.publicId}`,
      `orphan_take_over:${solo.publicId}`,
      `orphan_archive:${solo.publicId}`,
    ]);
    expect((await h.prisma.auditEvent.findMany({ where: { action: "app.orphaned" } })).map((e) => e.appPublicId).sort()).toEqual(
      [solo.publicId, other.publicId].sort(),
    );

    const click = async (userId: string, actionId: string, value: string) => {
      const k = h.standIn.calls.length;
      await h.slack.blockAction({ userId, actionId, value, channelId: `D${ADMIN}` });
      await h.standIn.waitFor((c) => c.slice(k).some((x) => x.method === "response_url"));
      return String(h.standIn.calls.slice(k).find((x) => x.method === "response_url")!.args.text);
    };
    expect(await click(BOB, "orphan_take_over", solo.publicId)).toMatch(/Only AppKeys admins/);
    expect(await click(ADMIN, "orphan_take_over", solo.publicId)).toContain("You now own *Solo*");
    expect(await ownersOf(solo.id)).toEqual([`${ADMIN}:co-owner`]);
    expect(await click(ADMIN, "orphan_take_over", solo.publicId)).toContain("*Solo* has an owner again");
    expect(await click(ADMIN, "orphan_archive", other.publicId)).toContain(`*Other* (\`${other.publicId}\`) is archived; 1 key(s) revoked`);
    expect(await click(ADMIN, "orphan_archive", other.publicId)).toContain("already archived");
    expect(await h.prisma.credential.count({ where: { appId: other.id, status: "ACTIVE" } })).toBe(0);
  });

  it("the daily run catches a missed departure and a team whose members left; a same-day reactivation is not undone twice", async () => {
    // Dave owns an app through @sre and one of his own; his deactivation event never arrives.
    const teamApp = (await createAppViaSlack(h, { userId: ERIN, title: "Team app" })).app!;
    expect(await run(`share "Team app" <!subteam^${SRE}|@sre>`, ERIN)).toContain("@sre now owns");
    const daves = (await createAppViaSlack(h, { userId: DAVE, title: "Daves" })).app!;
    h.standIn.users[DAVE]!.deleted = true;
    h.standIn.usergroups[SRE] = [ERIN]; // Slack drops deactivated people from groups

    const jobs = new DirectoryJobs(h.app.services, h.app.bolt.client, "replica-a");
    const slot = jobs.latestSlot()!;
    expect(slot).toBe("2026-04-06T06:00:00.000Z");
    const n = h.standIn.calls.length;
    const res = await jobs.run(slot);
    expect(res.ran).toBe(true);
    expect(res.people).toMatchObject({ departed: 1 });
    expect(res.orphans).toBe(1);
    expect(await ownersOf(teamApp.id)).toEqual([`${ERIN}:owner`]);
    expect(await ownersOf(daves.id)).toEqual([]);
    expect(adminDms(n)).toHaveLength(1);
    expect(JSON.stringify(adminDms(n)[0]!.args.blocks)).toContain(`its last owner <@${DAVE}> left`);
    expect((await h.prisma.departedUser.findUniqueOrThrow({ where: { userId: DAVE } })).source).toBe("reconcile");
    // The same slot on another replica: already run.
    expect((await new DirectoryJobs(h.app.services, h.app.bolt.client, "replica-b").run(slot)).ran).toBe(false);
    // The late event: already handled.
    await deactivate(DAVE);
    await vi.waitFor(() => expect(h.logs.join("")).toMatch(/"userId":"UDAVE001","source":"event".*departure already handled/));
    expect(await h.prisma.auditEvent.count({ where: { action: "user.offboarded", details: { path: ["userId"], equals: DAVE } } })).toBe(1);

    // Reactivated the same day: no longer treated as gone; team membership counts again once Slack lists him.
    h.standIn.usergroups[SRE] = [ERIN, DAVE];
    await deactivate(DAVE, false);
    await vi.waitFor(async () => expect(await h.prisma.departedUser.count({ where: { userId: DAVE } })).toBe(0), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await ownersOf(teamApp.id)).toEqual([`${DAVE}:team`, `${ERIN}:owner`]), { timeout: 10_000 });
    expect(await h.prisma.auditEvent.count({ where: { action: "user.reactivated" } })).toBe(1);
    // A day later the reconcile finds everybody active: nothing more happens.
    clock.advance(DAY);
    const next = await jobs.run(jobs.latestSlot()!);
    expect(next).toMatchObject({ ran: true, people: { departed: 0, reactivated: 0 }, orphans: 0 });
    expect(await h.prisma.auditEvent.count({ where: { action: "user.offboarded", details: { path: ["userId"], equals: DAVE } } })).toBe(1);
    expect(h.standIn.violations).toEqual([]);
  });
});
