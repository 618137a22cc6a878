import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppViaSlack } from "../support/flows.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";

const ALICE = "UALICE01";
const BOB = "UBOB0001";
const CAROL = "UCAROL01";
const DAVE = "UDAVE001";
const EVE = "UEVE0001";
const ADMIN = "UADMIN01";

describe("co-owners", () => {
  let h: Harness;
  let app: { id: string; publicId: string; title: string };
  let shared: string;
  const clock = testClock(new Date("2026-04-06T08:00:00Z"));

  beforeAll(async () => {
    h = await startHarness({ clock, env: { ADMIN_USER_IDS: ADMIN } });
    const r = await createAppViaSlack(h, { userId: ALICE, title: "Ledger" });
    app = r.app!;
    shared = r.shared!;
  });
  afterAll(async () => h?.close());

  /** Runs `/apps <text>` and returns the ephemeral reply. */
  async function run(text: string, userId: string) {
    const n = h.standIn.calls.length;
    const res = await h.slack.command(text, { userId });
    expect(res.status).toBe(200);
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    const reply = h.standIn.calls.slice(n).find((x) => x.method === "response_url")!;
    return { text: String(reply.args.text), all: JSON.stringify(reply.args) };
  }
  const owners = async () =>
    (await h.prisma.appOwner.findMany({ where: { appId: app.id }, orderBy: { createdAt: "asc" } })).map((o) => [o.userId, o.role]);
  const ownerAudits = () =>
    h.prisma.auditEvent.findMany({ where: { appId: app.id, action: { startsWith: "app.owner_" } }, orderBy: { id: "asc" } });
  const dmsTo = (user: string, from: number) =>
    h.standIn.calls
      .slice(from)
      .filter((x) => x.method === "chat.postMessage" && (x.args.channel === `D${user}` || x.args.channel === user));

  it("shares and unshares by command; co-owners see, list and share the app", async () => {
    expect((await run(`show ${app.publicId}`, BOB)).text).toMatch(/Only the app's owners/);

    const n = h.standIn.calls.length;
    const added = await run(`share Ledger <@${BOB}|bob>`, ALICE);
    expect(added.text).toContain(`<@${BOB}> is now a co-owner of *Ledger*`);
    expect(await owners()).toEqual([
      [ALICE, "owner"],
      [BOB, "co-owner"],
    ]);
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "chat.postMessage" && x.args.channel === `D${BOB}`));
    const welcome = dmsTo(BOB, n)[0]!;
    expect(welcome.args.text).toContain(`<@${ALICE}> made you a co-owner of *Ledger* (\`${app.publicId}\`)`);

    // Bob now sees the details (keys included) and the app in his list, and may share it too.
    expect((await run(`show ${app.publicId}`, BOB)).all).toContain(shared);
    expect((await run("list", BOB)).all).toContain(app.publicId);
    expect((await run(`share ${app.publicId} <@${CAROL}>`, BOB)).text).toContain(`<@${CAROL}> is now a co-owner`);

    // Clear answers for people who already own it.
    expect((await run(`share Ledger <@${BOB}>`, ALICE)).text).toContain(`<@${BOB}> is already a co-owner of this app.`);
    expect((await run(`share Ledger <@${ALICE}>`, CAROL)).text).toContain(`<@${ALICE}> already owns this app.`);
    // Nobody can remove the original owner, not even a co-owner or an admin.
    expect((await run(`unshare Ledger <@${ALICE}>`, CAROL)).text).toMatch(/original owner can't be removed/);
    expect((await run(`unshare ${app.publicId} <@${ALICE}>`, ADMIN)).text).toMatch(/original owner can't be removed/);

    const m = h.standIn.calls.length;
    expect((await run(`unshare Ledger <@${BOB}|bob>`, ALICE)).text).toContain(`<@${BOB}> is no longer a co-owner of *Ledger*`);
    expect(await owners()).toEqual([
      [ALICE, "owner"],
      [CAROL, "co-owner"],
    ]);
    await h.standIn.waitFor((_c) => dmsTo(BOB, m).length > 0);
    expect(dmsTo(BOB, m)[0]!.args.text).toContain("removed you as a co-owner");
    expect((await run(`show ${app.publicId}`, BOB)).text).toMatch(/Only the app's owners/);
    expect((await run(`unshare Ledger <@${CAROL}>`, BOB)).text).toMatch(/No app of yours is called "Ledger"/);
    expect((await run(`unshare Ledger <@${BOB}>`, ALICE)).text).toContain(`<@${BOB}> is not a co-owner of this app.`);

    // Each change was audited with the change; refused attempts wrote nothing.
    const audits = await ownerAudits();
    expect(audits.map((a) => [a.action, a.actorId, (a.details as { userId: string }).userId])).toEqual([
      ["app.owner_added", ALICE, BOB],
      ["app.owner_added", BOB, CAROL],
      ["app.owner_removed", ALICE, BOB],
    ]);
    expect(audits.every((a) => a.appPublicId === app.publicId && a.appTitle === "Ledger")).toBe(true);
    expect(h.standIn.violations).toEqual([]);
  });

  it("lets an admin share, refuses strangers, bots and unknown people", async () => {
    const before = await owners();
    expect((await run(`share ${app.publicId} <@${DAVE}>`, DAVE)).text).toMatch(/Only the app's owners/);
    expect((await run(`share Ledger <@${DAVE}>`, DAVE)).text).toMatch(/No app of yours is called/);
    expect((await run(`unshare ${app.publicId} <@${CAROL}>`, DAVE)).text).toMatch(/Only the app's owners/);

    h.standIn.failNext("conversations.open", { error: "user_not_found" });
    expect((await run(`share Ledger <@UNOBODY01>`, ALICE)).text).toContain("I can't find that person in this workspace.");
    h.standIn.failNext("conversations.open", { error: "cannot_dm_bot" });
    expect((await run(`share Ledger <@UROBOT001>`, ALICE)).text).toContain("<@UROBOT001> is a bot or an app: only people can own apps.");
    h.standIn.failNext("conversations.open", { error: "user_disabled" });
    expect((await run(`share Ledger <@ULEFT0001>`, ALICE)).text).toContain("account is deactivated");
    expect(await owners()).toEqual(before);
    expect(await ownerAudits()).toHaveLength(3);

    expect((await run(`share ${app.publicId} <@${DAVE}>`, ADMIN)).text).toContain(`<@${DAVE}> is now a co-owner`);
    expect((await run(`unshare ${app.publicId} <@${DAVE}>`, ADMIN)).text).toContain(`<@${DAVE}> is no longer a co-owner`);
    const audits = await ownerAudits();
    expect(audits.slice(-2).map((a) => [a.action, a.actorId])).toEqual([
      ["app.owner_added", ADMIN],
      ["app.owner_removed", ADMIN],
    ]);
    // No person: usage, straight in the ack.
    expect((await h.slack.command(`share Ledger`, { userId: ALICE })).body.text).toMatch(/Use `\/apps share/);
    expect(h.standIn.violations).toEqual([]);
  });

  it("manages owners in a modal opened from the details", async () => {
    // From `/apps show` (a message): the button opens the modal.
    const n = h.standIn.callsTo("views.open").length;
    const shown = await run(`show Ledger`, ALICE);
    expect(shown.all).toContain("Manage owners");
    await h.slack.blockAction({ userId: ALICE, actionId: "owners_manage", value: app.publicId, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const viewId: string = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    const view = () => h.standIn.currentView(viewId);
    const text = () => JSON.stringify(view().blocks);
    expect(view().callback_id).toBe("owners_modal");
    expect(text()).toContain(`<@${ALICE}> · *Owner* (created the app)`);
    expect(text()).toContain(`<@${CAROL}> · Co-owner, added by <@${BOB}>`);
    // Only co-owners have a Remove button.
    const removable = (view().blocks as any[]).filter((b) => b.accessory?.action_id === "owner_remove").map((b) => b.accessory.value);
    expect(removable).toEqual([`${app.publicId} ${CAROL}`]);

    // Field errors for nobody picked and for someone who already owns the app.
    const none = await h.slack.submitView(viewId, {}, { userId: ALICE });
    expect(none.body.errors.owner_add).toMatch(/Pick a person/);
    const dup = await h.slack.submitView(viewId, { owner_add: CAROL }, { userId: ALICE });
    expect(dup.body.errors.owner_add).toBe("That person is already a co-owner of this app.");

    // Add Eve: the modal shows progress at once, then the result and the new list.
    const m = h.standIn.calls.length;
    const ok = await h.slack.submitView(viewId, { owner_add: EVE }, { userId: ALICE });
    expect(ok.body.response_action).toBe("update");
    expect(JSON.stringify(ok.body.view)).toContain(`Adding <@${EVE}>`);
    await h.standIn.waitFor(() => text().includes(`<@${EVE}> is now a co-owner`));
    expect(text()).toContain(`<@${EVE}> · Co-owner, added by <@${ALICE}>`);
    await h.standIn.waitFor((_c) => dmsTo(EVE, m).length > 0);
    expect(await owners()).toContainEqual([EVE, "co-owner"]);

    // Remove Eve with her row's button.
    const eveBlock = (view().blocks as any[]).find((b) => b.accessory?.value === `${app.publicId} ${EVE}`)!;
    expect(eveBlock.accessory.confirm.confirm.text).toBe("Remove");
    await h.slack.blockAction({ userId: ALICE, actionId: "owner_remove", blockId: eveBlock.block_id, viewId });
    await h.standIn.waitFor(() => text().includes(`<@${EVE}> is no longer a co-owner`));
    expect(text()).not.toContain(`${app.publicId} ${EVE}`);
    expect(await owners()).not.toContainEqual([EVE, "co-owner"]);
    expect(h.standIn.violations).toEqual([]);
  });

  it("from the Home tab, pushes the owners modal over the details and refreshes both", async () => {
    await h.slack.appHomeOpened(ALICE);
    await h.standIn.waitFor(() => h.standIn.homeView(ALICE) !== undefined);
    const home = h.standIn.homeView(ALICE);
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.blockAction({ userId: ALICE, actionId: "app_details", viewId: home.id });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const detailsId: string = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    const p = h.standIn.callsTo("views.push").length;
    await h.slack.blockAction({ userId: ALICE, actionId: "owners_manage", viewId: detailsId });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.push").length > p);
    const ownersId: string = h.standIn.callsTo("views.push").at(-1)!.response.view.id;
    expect(h.standIn.stackOf(detailsId)).toEqual([detailsId, ownersId]);

    await h.slack.submitView(ownersId, { owner_add: EVE }, { userId: ALICE });
    await h.standIn.waitFor(() => JSON.stringify(h.standIn.currentView(ownersId).blocks).includes(`<@${EVE}> is now a co-owner`));
    // The details underneath list the new co-owner too.
    await h.standIn.waitFor(() => JSON.stringify(h.standIn.currentView(detailsId).blocks).includes(`<@${EVE}>`));
    await h.slack.command(`unshare Ledger <@${EVE}>`, { userId: ALICE });
    await h.standIn.waitFor(() => h.standIn.callsTo("response_url").some((c) => String(c.args.text).includes(`<@${EVE}> is no longer`)));
    expect(h.standIn.violations).toEqual([]);
  });

  it("refuses forged buttons and submissions from people who may not manage the app", async () => {
    const before = await owners();
    const audits = (await ownerAudits()).length;

    // A stranger's forged "Remove" and "Manage owners" clicks.
    const n = h.standIn.calls.length;
    const opens = h.standIn.callsTo("views.open").length;
    await h.slack.blockAction({ userId: DAVE, actionId: "owner_remove", value: `${app.publicId} ${CAROL}`, channelId: "C0GENERAL" });
    await h.slack.blockAction({ userId: DAVE, actionId: "owners_manage", value: app.publicId, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.slice(n).filter((x) => x.method === "response_url").length >= 2);
    for (const r of h.standIn.calls.slice(n).filter((x) => x.method === "response_url")) {
      expect(r.args.text).toMatch(/Only the app's owners/);
    }
    expect(h.standIn.callsTo("views.open")).toHaveLength(opens);

    // A co-owner's forged click on the original owner, and a garbled value.
    const m = h.standIn.calls.length;
    await h.slack.blockAction({ userId: CAROL, actionId: "owner_remove", value: `${app.publicId} ${ALICE}`, channelId: "C0GENERAL" });
    await h.slack.blockAction({ userId: ALICE, actionId: "owner_remove", value: `${app.publicId} <@${CAROL}>`, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.slice(m).filter((x) => x.method === "response_url").length >= 2);
    const texts = h.standIn.calls
      .slice(m)
      .filter((x) => x.method === "response_url")
      .map((x) => String(x.args.text));
    expect(texts.some((t) => /original owner can't be removed/.test(t))).toBe(true);
    expect(texts.some((t) => /out of date/.test(t))).toBe(true);

    // A stranger submitting someone else's owners modal.
    const o = h.standIn.callsTo("views.open").length;
    await h.slack.blockAction({ userId: ALICE, actionId: "owners_manage", value: app.publicId, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > o);
    const viewId: string = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    const forged = await h.slack.submitView(viewId, { owner_add: DAVE }, { userId: DAVE });
    expect(forged.body.response_action).toBe("errors");
    expect(forged.body.errors.owner_add).toMatch(/Only the app's owners/);

    expect(await owners()).toEqual(before);
    expect(await ownerAudits()).toHaveLength(audits);
    expect(h.standIn.violations).toEqual([]);
  });
});
