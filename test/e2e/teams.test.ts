// Team ownership end to end: Slack user groups own apps; membership is read from Slack, cached, and
// followed through subteam events; every member counts as an owner wherever owners are checked.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAppViaSlack } from "../support/flows.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";
import { RotationJobs, rotationClient } from "../../src/features/rotation/worker.js";
import { slotOf } from "../../src/platform/jobs/scheduler.js";

const ALICE = "UALICE01";
const BOB = "UBOB0001";
const CAROL = "UCAROL01";
const DAVE = "UDAVE001";
const ERIN = "UERIN001";
const SRE = "S0SRE001";
const OPS = "S0OPS001";
const DAY = 86_400_000;

describe("teams owning apps", () => {
  let h: Harness;
  let app: { id: string; publicId: string; title: string };
  const clock = testClock(new Date("2026-04-06T08:00:00Z"));

  beforeAll(async () => {
    h = await startHarness({ clock, env: { ROTATION_DAYS: "90", TZ: "UTC" }, appOptions: { noWorkers: true } });
    h.standIn.usergroups = { [SRE]: [BOB, CAROL], [OPS]: [DAVE] };
    Object.assign(h.standIn.usergroupInfo, {
      [SRE]: { handle: "sre", name: "Site reliability" },
      [OPS]: { handle: "ops", name: "Operations" },
    });
    app = (await createAppViaSlack(h, { userId: ALICE, title: "Ledger" })).app!;
  });
  afterAll(async () => h?.close());

  async function run(text: string, userId: string) {
    const n = h.standIn.calls.length;
    const res = await h.slack.command(text, { userId });
    expect(res.status).toBe(200);
    if (res.body?.text) return { text: String(res.body.text), all: JSON.stringify(res.body) };
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    const reply = h.standIn.calls.slice(n).find((x) => x.method === "response_url")!;
    return { text: String(reply.args.text), all: JSON.stringify(reply.args) };
  }
  const owners = async () =>
    (await h.prisma.appOwner.findMany({ where: { appId: app.id }, orderBy: { userId: "asc" } })).map((o) => `${o.userId}:${o.role}`);
  const audits = async (action: string) => h.prisma.auditEvent.findMany({ where: { appId: app.id, action }, orderBy: { id: "asc" } });

  it("shares an app with a team: every member may see and manage it; bad groups get a clear answer", async () => {
    expect((await run(`show ${app.publicId}`, BOB)).text).toMatch(/Only the app's owners/);

    // A group Slack does not know, and one AppKeys may not read.
    expect((await run(`share Ledger <!subteam^S0NOPE01|@nope>`, ALICE)).text).toMatch(/can't find the user group `S0NOPE01`/);
    h.standIn.failNext("usergroups.users.list", { error: "missing_scope" });
    expect((await run(`share Ledger <!subteam^${SRE}|@sre>`, ALICE)).text).toMatch(
      /can't read the members.*missing_scope.*usergroups:read/,
    );
    // A stranger may not share someone else's app with their team.
    expect((await run(`share ${app.publicId} <!subteam^${SRE}|@sre>`, DAVE)).text).toMatch(/Only the app's owners/);
    expect(await h.prisma.appTeam.count()).toBe(0);

    const added = await run(`share Ledger <!subteam^${SRE}|@sre>`, ALICE);
    expect(added.text).toContain("@sre now owns *Ledger*");
    expect(added.text).toContain("its 2 members");
    expect(await owners()).toEqual([`${ALICE}:owner`, `${BOB}:team`, `${CAROL}:team`]);
    const [teamAdded] = await audits("app.team_added");
    expect(teamAdded!.actorId).toBe(ALICE);
    expect(teamAdded!.details).toMatchObject({ team: "@sre", groupId: SRE, ownersAdded: [BOB, CAROL] });
    expect((await run(`share Ledger <!subteam^${SRE}|@sre>`, ALICE)).text).toContain("@sre already owns this app.");

    // Members: details (with the owning team), list, generate keys, share further.
    const shown = await run(`show Ledger`, BOB);
    expect(shown.all).toContain("*Owning teams*\\n@sre (2)");
    expect(shown.all).toContain(`*Owner*\\n<@${ALICE}>`);
    expect((await run("list", CAROL)).all).toContain(app.publicId);
    expect((await run(`share Ledger <@${ERIN}>`, CAROL)).text).toContain(`<@${ERIN}> is now a co-owner`);

    // App Home of a member shows the team on the card.
    await h.slack.appHomeOpened(BOB);
    await vi.waitFor(() => expect(JSON.stringify(h.standIn.homeView(BOB))).toContain("@sre"), { timeout: 10_000 });
  });

  it("follows membership changes announced by Slack, and makes a team member a co-owner in their own name", async () => {
    // Carol leaves @sre, Dave joins: Slack says so with subteam_members_changed.
    h.standIn.usergroups[SRE] = [BOB, DAVE];
    await h.slack.event({
      type: "subteam_members_changed",
      subteam_id: SRE,
      team_id: "T0001",
      added_users: [DAVE],
      removed_users: [CAROL],
    });
    await vi.waitFor(async () => expect(await owners()).toEqual([`${ALICE}:owner`, `${BOB}:team`, `${DAVE}:team`, `${ERIN}:co-owner`]), {
      timeout: 10_000,
    });
    expect((await run(`show ${app.publicId}`, CAROL)).text).toMatch(/Only the app's owners/);
    expect((await run(`show ${app.publicId}`, DAVE)).all).toContain(app.publicId);
    const [changed] = await audits("app.team_members_changed");
    expect(changed!.details).toMatchObject({ team: "@sre", ownersAdded: [DAVE], ownersRemoved: [CAROL] });

    // The same event again (a retry) changes nothing and records nothing.
    await h.slack.event({ type: "subteam_members_changed", subteam_id: SRE, team_id: "T0001" });
    await h.slack.event({ type: "subteam_members_changed", subteam_id: "S0OTHER1", team_id: "T0001" });
    await new Promise((r) => setImmediate(r));
    await vi.waitFor(async () => expect(await audits("app.team_members_changed")).toHaveLength(1));

    // Bob (a member) becomes a co-owner in his own name; removed again, he still owns it through @sre.
    expect((await run(`share Ledger <@${BOB}>`, ALICE)).text).toContain(`<@${BOB}> is now a co-owner`);
    expect(await owners()).toContain(`${BOB}:co-owner`);
    expect((await run(`unshare Ledger <@${BOB}>`, ALICE)).text).toContain(`<@${BOB}> is no longer a co-owner`);
    expect(await owners()).toContain(`${BOB}:team`);
    // A team member who is not a co-owner in their own name cannot be "unshared" as one.
    expect((await run(`unshare Ledger <@${DAVE}>`, ALICE)).text).toContain(`<@${DAVE}> is not a co-owner of this app.`);
  });

  it("sends rotation reminders to team members, one DM per person per run", async () => {
    const key = await h.prisma.credential.findFirstOrThrow({ where: { appId: app.id } });
    // Dave is in @sre and also a co-owner in his own name of nothing else; Bob gets one DM.
    await h.prisma.credential.update({
      where: { id: key.id },
      data: { createdAt: new Date(clock().getTime() - 80 * DAY), lastUsedAt: clock() },
    });
    const jobs = new RotationJobs(h.app.services, rotationClient(h.app.bolt.client, h.app.services), { replicaId: "t" });
    const n = h.standIn.calls.length;
    const res = await jobs.runRotation(slotOf(clock()));
    expect(res.ran).toBe(true);
    const dms = h.standIn.calls.slice(n).filter((c) => c.method === "chat.postMessage");
    expect(dms.map((c) => c.args.channel).sort()).toEqual([ALICE, BOB, DAVE, ERIN].sort());
    expect(JSON.stringify(dms[0]!.args.blocks)).toContain(key.id);
  });

  it("manages teams in the owners modal: add from the picker, remove with the button", async () => {
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.blockAction({ userId: ALICE, actionId: "owners_manage", value: app.publicId, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const viewId: string = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    const text = () => JSON.stringify(h.standIn.currentView(viewId).blocks);
    expect(text()).toContain("@sre · 2 members");
    // Team members' rows are not listed as people.
    expect(text()).not.toContain(`<@${DAVE}> · Co-owner`);

    // The picker offers the workspace's groups.
    const options = await h.slack.blockSuggestion({
      viewId,
      userId: ALICE,
      actionId: "owner_add_team",
      blockId: "owner_add_team",
      value: "op",
    });
    expect(JSON.stringify(options.body)).toContain(OPS);
    expect(JSON.stringify(options.body)).not.toContain(SRE);

    const both = await h.slack.submitView(
      viewId,
      {
        owner_add: CAROL,
        owner_add_team: { type: "external_select", selected_option: { text: { type: "plain_text", text: "@ops" }, value: OPS } },
      },
      { userId: ALICE },
    );
    expect(both.body.errors.owner_add_team).toMatch(/one at a time/);
    const ok = await h.slack.submitView(
      viewId,
      { owner_add_team: { type: "external_select", selected_option: { text: { type: "plain_text", text: "@ops" }, value: OPS } } },
      { userId: ALICE },
    );
    expect(ok.body.response_action).toBe("update");
    await h.standIn.waitFor(() => text().includes("@ops now owns *Ledger*"));
    expect(text()).toContain("@ops (Operations) · 1 member");
    expect(await h.prisma.appTeam.count({ where: { appId: app.id } })).toBe(2);

    // Remove @sre with its button: Bob loses the app, Dave keeps it through @ops.
    const sreBlock = (h.standIn.currentView(viewId).blocks as any[]).find((b) => b.accessory?.value === `${app.publicId} ${SRE}`)!;
    await h.slack.blockAction({ userId: ALICE, actionId: "owner_remove_team", blockId: sreBlock.block_id, viewId });
    await h.standIn.waitFor(() => text().includes("@sre no longer owns *Ledger*"));
    expect(await owners()).toEqual([`${ALICE}:owner`, `${DAVE}:team`, `${ERIN}:co-owner`]);
    const [removed] = await audits("app.team_removed");
    expect(removed!.details).toMatchObject({ team: "@sre", ownersRemoved: [BOB] });
    expect(h.standIn.violations).toEqual([]);
  });

  it("refuses to remove the last owner, and drops a team removed in Slack (the app reported to admins when nobody is left)", async () => {
    // An app owned only by @ops: its creator's row is gone (as after a departure), so @ops is all there is.
    const solo = (await createAppViaSlack(h, { userId: CAROL, title: "Ops board" })).app!;
    expect((await run(`share "Ops board" <!subteam^${OPS}|@ops>`, CAROL)).text).toContain("@ops now owns");
    await h.prisma.appOwner.deleteMany({ where: { appId: solo.id, role: "owner" } });
    expect((await run(`unshare "Ops board" <!subteam^${OPS}|@ops>`, DAVE)).text).toContain("@ops is this app's last owner");

    // @ops is deleted in Slack while it owns both apps.
    h.standIn.usergroupInfo[OPS]!.date_delete = 1_780_000_000;
    const n = h.standIn.calls.length;
    await h.slack.event({
      type: "subteam_updated",
      subteam: { id: OPS, team_id: "T0001", handle: "ops", name: "Operations", date_delete: 1_780_000_000 },
    });
    await vi.waitFor(async () => expect(await h.prisma.appTeam.count({ where: { groupId: OPS } })).toBe(0), { timeout: 10_000 });
    expect(await owners()).toEqual([`${ALICE}:owner`, `${ERIN}:co-owner`]);
    expect(await h.prisma.appOwner.count({ where: { appId: solo.id } })).toBe(0);
    const removedAudits = await h.prisma.auditEvent.findMany({ where: { action: "app.team_removed", actorId: "AppKeys" } });
    expect(removedAudits.map((a) => a.appPublicId).sort()).toEqual([app.publicId, solo.publicId].sort());
    // No admin configured: the orphan is logged as an error (the offboarding tests cover the DM).
    await vi.waitFor(() => expect(h.logs.join("")).toContain("apps were left without an owner and no admin is configured"));
    expect(h.standIn.calls.slice(n).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    // Sharing with the removed group now gets a clear answer.
    expect((await run(`share Ledger <!subteam^${OPS}|@ops>`, ALICE)).text).toMatch(/can't find the user group `S0OPS001`/);
  });
});
