import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppViaSlack } from "../support/flows.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";

const OWNER = "UOWNER01";
const APPROVER = "UAPPR001";
const BOB = "UBOB0001";
const AUDIT = "CAUDIT001";

/** Typed into the create modal, which Slack does not escape: a link, a channel-wide ping, a mention, `&` and `*`. */
const HOSTILE = "<https://x|y> <!channel> <@U0VICTIM> & *bold*";
const RAW = ["<https://x|y>", "<!channel>", "<@U0VICTIM>"];
const ESCAPED = "&lt;https://x|y&gt; &lt;!channel&gt; &lt;@U0VICTIM&gt; &amp; *bold*";

/**
 * Every string Slack reads as mrkdwn in a payload: the top-level `text` (the notification and
 * fallback text) and every `{type: "mrkdwn"}` object. Plain-text objects show text as typed and
 * are left out.
 */
function mrkdwnTexts(payload: any): string[] {
  const out: string[] = [];
  if (typeof payload?.text === "string") out.push(payload.text);
  const walk = (v: any) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== "object") return;
    if (v.type === "mrkdwn" && typeof v.text === "string") out.push(v.text);
    for (const x of Object.values(v)) walk(x);
  };
  walk(payload?.blocks);
  walk(payload?.view?.blocks);
  return out;
}

/** The hostile text appears (escaped once) where it is shown, and nowhere raw. */
function expectEscaped(where: string, payload: unknown, needle = ESCAPED) {
  const texts = mrkdwnTexts(payload);
  expect(
    texts.some((t) => t.includes(needle)),
    `${where}: shows the text\n${JSON.stringify(texts, null, 1)}`,
  ).toBe(true);
  for (const t of texts) {
    for (const raw of RAW) expect(t, `${where}: ${raw} reaches Slack raw`).not.toContain(raw);
    expect(t, `${where}: escaped twice`).not.toMatch(/&amp;(amp|lt|gt);/);
  }
}

describe("user-typed text reaches Slack escaped everywhere it is shown", () => {
  let h: Harness;
  const clock = testClock(new Date("2026-03-02T10:00:00Z"));
  beforeAll(async () => {
    h = await startHarness({ clock, env: { APPROVER_USER_IDS: APPROVER, AUDIT_CHANNEL_ID: AUDIT } });
  });
  afterAll(async () => h?.close());

  const since = (n: number) => h.standIn.calls.slice(n);
  /** Runs a slash command and returns what the app answered through the response URL. */
  async function command(text: string, userId: string, typedLiterally = false) {
    const n = h.standIn.calls.length;
    // Typed literally (not as mentions or links): Slack sends &, < and > as entities.
    const literal = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    await h.slack.command(typedLiterally ? literal(text) : text, { userId, escape: typedLiterally ? "raw" : "manifest" });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    return since(n).find((x) => x.method === "response_url")!.args;
  }
  /** Clicks a button that opens a modal and returns the modal once it is filled. */
  async function clickOpen(userId: string, actionId: string, value: string) {
    const n = h.standIn.calls.length;
    await h.slack.blockAction({ userId, actionId, value, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "views.open"));
    const id: string = since(n).find((x) => x.method === "views.open")!.response.view.id;
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "views.update" && x.args.view_id === id));
    return id;
  }
  /** Submits a modal and waits for its final state and the messages that follow. */
  async function submit(viewId: string, values: Record<string, unknown>, userId: string, until: (c: any[]) => boolean) {
    const n = h.standIn.calls.length;
    const res = await h.slack.submitView(viewId, values, { userId });
    expect(res.body?.response_action, JSON.stringify(res.body)).toBe("update");
    await h.standIn.waitFor((c) => until(c.slice(n)));
    return since(n);
  }
  const view = (id: string) => ({ view: h.standIn.currentView(id) });

  it("in the app's title, a key's label and an approver's note", async () => {
    // Creation: the key reveal in the modal and in the DM (whose `text` is the notification).
    const start = h.standIn.calls.length;
    const r = await createAppViaSlack(h, { userId: OWNER, title: HOSTILE, description: HOSTILE });
    expect(r.app!.title).toBe(HOSTILE);
    expectEscaped("key reveal modal", r.reveal!.args);
    const dm = await h.standIn.waitFor((c) => c.slice(start).some((x) => x.method === "chat.postEphemeral"));
    expectEscaped("key delivery DM", dm.slice(start).find((x) => x.method === "chat.postEphemeral")!.args);
    const app = r.app!;

    // `/apps show`, `/apps list` and "View details" in a message.
    expectEscaped("/apps show", await command(`show ${app.publicId}`, OWNER));
    expectEscaped("/apps list", await command("list", OWNER));
    const n = h.standIn.calls.length;
    await h.slack.blockAction({ userId: OWNER, actionId: "app_details", value: app.publicId, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    expectEscaped("View details", since(n).find((x) => x.method === "response_url")!.args);
    // A title typed in a command that matches nothing is repeated back escaped.
    expectEscaped("unknown title", await command(`show ${HOSTILE} nope`, OWNER, true), "&lt;!channel&gt;");

    // A production key with a hostile label: the approver's DM, the list of requests, the review.
    const g = await clickOpen(OWNER, "key_generate_open", app.publicId);
    expectEscaped("generate dialog", view(g));
    const asked = await submit(g, { environment: "production", label: HOSTILE }, OWNER, (c) =>
      c.some((x) => x.method === "chat.postMessage" && x.args.channel === APPROVER),
    );
    expectEscaped("request sent", view(g));
    expectEscaped("approval request DM", asked.find((x) => x.method === "chat.postMessage" && x.args.channel === APPROVER)!.args);
    expectEscaped("/apps approvals", await command("approvals", APPROVER));
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { appId: app.id } });
    const review = await clickOpen(APPROVER, "approval_review", approval.id);
    expectEscaped("review modal", view(review));

    // The approval, with a hostile note, reaches the requester as a DM.
    const decided = await submit(review, { decision: "approve", note: HOSTILE }, APPROVER, (c) =>
      c.some((x) => x.method === "chat.postMessage" && x.args.channel === OWNER),
    );
    expectEscaped("decision DM", decided.find((x) => x.method === "chat.postMessage" && x.args.channel === OWNER)!.args);

    // Sharing: the reply and the new co-owner's welcome DM.
    const m = h.standIn.calls.length;
    expectEscaped("/apps share", await command(`share ${app.publicId} <@${BOB}>`, OWNER));
    await h.standIn.waitFor((c) => c.slice(m).some((x) => x.method === "chat.postMessage" && /co-owner/.test(x.args.text)));
    expectEscaped("welcome DM", since(m).find((x) => x.method === "chat.postMessage" && /co-owner/.test(x.args.text))!.args);

    // The revoke dialog, and the Home tab.
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: app.id } });
    const rv = await clickOpen(OWNER, "cred_revoke", cred.id);
    expectEscaped("revoke dialog", view(rv));
    const k = h.standIn.calls.length;
    await h.slack.appHomeOpened(OWNER);
    await h.standIn.waitFor((c) => c.slice(k).some((x) => x.method === "views.publish"));
    expectEscaped("App Home", { view: h.standIn.homeView(OWNER) });

    // Archive: the confirmation, the result, then the error a late click on the old key gets.
    const a = h.standIn.calls.length;
    await h.slack.command(`archive ${app.publicId}`, { userId: OWNER });
    await h.standIn.waitFor((c) => c.slice(a).some((x) => x.method === "views.update"));
    const av: string = since(a).find((x) => x.method === "views.open")!.response.view.id;
    expectEscaped("archive dialog", view(av));
    await submit(av, {}, OWNER, (c) => c.some((x) => x.method === "views.update" && /is archived/.test(JSON.stringify(x.args.view))));
    expectEscaped("archive result", view(av));
    const late = await clickOpen(OWNER, "cred_revoke", cred.id);
    expect(JSON.stringify(h.standIn.currentView(late))).toContain("has been archived");
    expectEscaped("archived error", view(late));

    // The audit channel, once the worker has delivered what happened.
    await h.standIn.waitFor((c) =>
      c.some((x) => x.method === "chat.postMessage" && x.args.channel === AUDIT && /archived/i.test(x.args.text)),
    );
    const audits = h.standIn.callsTo("chat.postMessage").filter((x) => x.args.channel === AUDIT);
    for (const msg of audits) expectEscaped("audit channel", msg.args, "&lt;!channel&gt;");
    expect(h.standIn.violations).toEqual([]);
  });
});
