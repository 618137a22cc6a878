import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppViaSlack, firstEndpoints, slackSettled } from "../support/flows.js";
import { TEAM, startHarness, testClock, type Harness } from "../support/harness.js";

const ALICE = "UALICE01";
const BOB = "UBOB0001";
const CAROL = "UCAROL01";
const DAY = 24 * 60 * 60 * 1000;

describe("App Home tab", () => {
  let h: Harness;
  const clock = testClock(new Date("2026-02-02T09:00:00Z"));
  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(async () => h?.close());

  const homeText = (user: string) => JSON.stringify(h.standIn.homeView(user)?.blocks ?? []);
  /** Opens the Home tab the way Slack does and waits for the view the app publishes in answer. */
  async function openHome(user: string) {
    const n = h.standIn.calls.length;
    const res = await h.slack.appHomeOpened(user);
    expect(res.status).toBe(200);
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "views.publish" && x.args.user_id === user));
    return h.standIn.homeView(user);
  }
  /** Waits until the user's Home tab (republished by the app on its own) matches. */
  const homeShows = (user: string, pred: (text: string) => boolean) => h.standIn.waitFor(() => pred(homeText(user)), 5000);
  const cardButtons = (view: any) =>
    (view.blocks as any[]).filter((b) => b.accessory?.action_id === "app_details").map((b) => b.accessory.value as string);

  it("shows the user's apps as cards with New App and View details", async () => {
    const r = await createAppViaSlack(h, { userId: ALICE, title: "Ledger", description: "Books <!here> & invoices" });
    const home = await openHome(ALICE);
    expect(home.type).toBe("home");
    const text = homeText(ALICE);
    expect(text).toContain("Your apps (1)");
    expect(text).toContain("*Ledger*");
    expect(text).toContain("Books &lt;!here&gt; &amp; invoices");
    expect(text).not.toContain("<!here>");
    expect(text).toContain(`App ID \`${r.app!.publicId}\``);
    expect(text).toContain("1 active key");
    expect(text).toContain("No keys due for rotation");
    expect(cardButtons(home)).toEqual([r.app!.publicId]);
    const actions = (home.blocks as any[]).flatMap((b) => (b.type === "actions" ? b.elements : []));
    expect(actions.map((e: any) => [e.action_id, e.text.text])).toContainEqual(["app_new", "New App"]);

    // "View details" on the card opens the details in a modal (no response_url on the Home tab).
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.blockAction({ userId: ALICE, actionId: "app_details", viewId: home.id });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const details = JSON.stringify(h.standIn.callsTo("views.open").at(-1)!.args.view);
    expect(details).toContain(r.shared!);
    expect(details).toContain("Connected APIs");

    // "New App" opens the create form.
    const m = h.standIn.callsTo("views.open").length;
    await h.slack.blockAction({ userId: ALICE, actionId: "app_new", viewId: home.id });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > m);
    expect(h.standIn.callsTo("views.open").at(-1)!.args.view.callback_id).toBe("app_create_details");

    // Someone without apps gets an empty state with the same button.
    await openHome(BOB);
    expect(homeText(BOB)).toContain("You have no apps yet");
    expect(homeText(BOB)).toContain("app_new");
    expect(homeText(BOB)).not.toContain("Ledger");
    expect(h.standIn.violations).toEqual([]);
  });

  it("counts keys due for rotation: 14 days before the deadline, unless snoozed or already being replaced", async () => {
    const s = h.app.services;
    const created = await s.apps.createApp(s.actor(CAROL, TEAM), {
      title: "Rotor",
      description: "",
      endpointIds: await firstEndpoints(h, 1),
      environment: "development",
    });
    const cred = created.issued!.credential;
    const card = () => {
      const text = homeText(CAROL);
      return text.slice(text.indexOf("*Rotor*"), text.indexOf("*Rotor*") + 400);
    };
    const start = clock();
    try {
      clock.set(new Date(start.getTime() + 75 * DAY)); // deadline (90 days) is 15 days away
      await openHome(CAROL);
      expect(card()).toContain("No keys due for rotation");
      clock.set(new Date(start.getTime() + 76 * DAY)); // 14 days away
      await openHome(CAROL);
      expect(card()).toContain("1 key due for rotation");
      clock.set(new Date(start.getTime() + 120 * DAY)); // overdue
      await openHome(CAROL);
      expect(card()).toContain("1 key due for rotation");
      await h.prisma.credential.update({ where: { id: cred.id }, data: { snoozedUntil: new Date(clock().getTime() + 7 * DAY) } });
      await openHome(CAROL);
      expect(card()).toContain("No keys due for rotation");
      await h.prisma.credential.update({
        where: { id: cred.id },
        data: { snoozedUntil: new Date(clock().getTime() - DAY), revokeAt: new Date(clock().getTime() + DAY) },
      });
      await openHome(CAROL);
      expect(card()).toContain("No keys due for rotation");
      await h.prisma.credential.update({ where: { id: cred.id }, data: { revokeAt: null } });
      await openHome(CAROL);
      expect(card()).toContain("1 key due for rotation");
    } finally {
      clock.set(start);
    }
  });

  it("stays within Slack's 100 blocks for someone with many apps", async () => {
    const s = h.app.services;
    const actor = s.actor(CAROL, TEAM);
    const endpointIds = await firstEndpoints(h, 1);
    for (let i = 0; i < 44; i++) {
      clock.advance(1000);
      await s.apps.createApp(actor, {
        title: `Service ${String(i).padStart(2, "0")}`,
        description: "x".repeat(400),
        endpointIds,
        environment: "development",
      });
    }
    const total = await h.prisma.app.count({ where: { owners: { some: { userId: CAROL } } } });
    expect(total).toBe(45);
    const home = await openHome(CAROL);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    const shown = cardButtons(home);
    expect(shown).toHaveLength(30);
    expect(new Set(shown).size).toBe(30);
    expect(homeText(CAROL)).toContain("Your apps (45)");
    expect(homeText(CAROL)).toContain("and 15 more apps");
    expect(homeText(CAROL)).toContain("/apps list");
    // Newest first, like /apps list.
    expect(homeText(CAROL).indexOf("Service 43")).toBeLessThan(homeText(CAROL).indexOf("Service 42"));
    expect(h.standIn.violations).toEqual([]);
  });

  it("refreshes every owner's tab after a change, without them reopening it", async () => {
    await openHome(ALICE);
    const before = h.standIn.callsTo("views.publish").length;
    // A new app, created through Slack: the creator's tab is redrawn.
    const r = await createAppViaSlack(h, { userId: ALICE, title: "Payroll" });
    await homeShows(ALICE, (t) => t.includes("Your apps (2)") && t.includes("*Payroll*"));
    expect(homeText(ALICE).indexOf("Payroll")).toBeLessThan(homeText(ALICE).indexOf("Ledger"));

    // Shared with Bob: both tabs are redrawn (Bob now sees it).
    await h.slack.command(`share ${r.app!.publicId} <@${BOB}|bob>`, { userId: ALICE });
    await homeShows(BOB, (t) => t.includes("*Payroll*"));
    expect(homeText(BOB)).toContain("Your apps (1)");

    // Unshared: Bob's tab loses it although he is no longer among the owners.
    await h.slack.command(`unshare Payroll <@${BOB}|bob>`, { userId: ALICE });
    await homeShows(BOB, (t) => t.includes("You have no apps yet"));
    const publishes = h.standIn.callsTo("views.publish").slice(before);
    expect(publishes.every((c) => c.response.ok)).toBe(true);
    expect(h.standIn.violations).toEqual([]);
  });

  it("answers Slack's retried events by publishing the same tab again", async () => {
    // Refreshes triggered by the previous test's changes may still be landing: let them.
    await slackSettled(h, 300);
    const n = h.standIn.calls.length;
    await h.slack.appHomeOpened(ALICE, { eventId: "EvHOME0001" });
    await h.slack.appHomeOpened(ALICE, { eventId: "EvHOME0001", retryNum: 1 });
    await h.standIn.waitFor((c) => c.slice(n).filter((x) => x.method === "views.publish").length >= 2);
    const views = h.standIn.calls
      .slice(n)
      .filter((x) => x.method === "views.publish")
      .map((x) => JSON.stringify(x.args));
    expect(views).toHaveLength(2);
    expect(views[1]).toBe(views[0]);
    // The Messages tab is not ours to draw.
    await slackSettled(h, 300);
    const m = h.standIn.calls.length;
    await h.slack.event({ type: "app_home_opened", user: ALICE, channel: `D${ALICE}`, tab: "messages" });
    await h.slack.appHomeOpened(BOB);
    await h.standIn.waitFor((c) => c.slice(m).some((x) => x.method === "views.publish" && x.args.user_id === BOB));
    expect(h.standIn.calls.slice(m).filter((x) => x.method === "views.publish" && x.args.user_id === ALICE)).toEqual([]);
    expect(h.standIn.violations).toEqual([]);
  });
});
