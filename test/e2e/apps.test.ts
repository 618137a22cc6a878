import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/harness.js";
import { SECRET_RE, createAppViaSlack, dumpDatabase, firstEndpoints } from "../support/flows.js";

const ALICE = "UALICE01";
const BOB = "UBOB0001";
const ADMIN = "UADMIN01";

describe("/apps: create → list → show", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ADMIN_USER_IDS: ADMIN } });
  });
  afterAll(async () => h?.close());

  it("creates an app with endpoints and a one-time-visible key pair", async () => {
    const endpoints = await firstEndpoints(h, 3);
    const r = await createAppViaSlack(h, {
      userId: ALICE,
      title: "  Checkout   Service ",
      description: "Takes payments",
      endpoints,
      environment: "staging",
    });
    expect(r.app).toBeTruthy();
    expect(r.app!.title).toBe("Checkout Service");
    expect(r.app!.publicId).toMatch(/^app_[0-9A-Za-z]{12}$/);
    expect(r.secret).toMatch(/^sk_stg_/);
    expect(r.shared).toMatch(/^ak_stg_/);

    // The modal shows the keys and the warning; the DM is ephemeral, to the user only.
    const modalText = JSON.stringify(r.reveal!.args.view);
    expect(modalText).toContain("Successfully generated your API keys!");
    expect(modalText).toContain(r.secret!);
    expect(modalText).toMatch(/shown only this once/);
    expect(r.dm!.args.user).toBe(ALICE);
    expect(r.dm!.args.channel).toBe(`D${ALICE}`);
    expect(JSON.stringify(r.dm!.args)).toContain(r.secret!);

    // Stored: app, owner, endpoints, credential with only a hash of the secret.
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    expect(cred.sharedKey).toBe(r.shared);
    expect(cred.environment).toBe("staging");
    expect(cred.status).toBe("ACTIVE");
    expect(cred.secretHash).toBe(`sha256:${createHash("sha256").update(r.secret!).digest("hex")}`);
    expect(await h.prisma.appEndpoint.count({ where: { appId: r.app!.id } })).toBe(3);
    expect(await h.prisma.auditEvent.count({ where: { appId: r.app!.id } })).toBe(2);
    const dump = await dumpDatabase(h);
    expect(dump).not.toContain(r.secret!);

    // The secret went to exactly two places: the modal update and the ephemeral DM.
    const carriers = h.standIn.calls.filter((c) => JSON.stringify(c.args).includes(r.secret!)).map((c) => c.method);
    expect(carriers.sort()).toEqual(["chat.postEphemeral", "views.update"]);
    expect(h.standIn.violations).toEqual([]);
  });

  it("lists the user's apps as cards and shows details to owners only", async () => {
    const r = await createAppViaSlack(h, { userId: ALICE, title: "Ledger" });
    const before = h.standIn.calls.length;
    await h.slack.command("list", { userId: ALICE });
    await h.standIn.waitFor((c) => c.slice(before).some((x) => x.method === "response_url"));
    const list = h.standIn.calls.slice(before).find((x) => x.method === "response_url")!;
    expect(list.args.response_type).toBe("ephemeral");
    const listText = JSON.stringify(list.args.blocks);
    expect(listText).toContain("Ledger");
    expect(listText).toContain(r.app!.publicId);
    expect(listText).toContain("1 active key");
    expect(listText).toContain("View details");

    // Details by App ID, by title (any case), and through the button.
    for (const ref of [r.app!.publicId, "ledger", `"Ledger"`]) {
      const n = h.standIn.calls.length;
      await h.slack.command(`show ${ref}`, { userId: ALICE });
      await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
      const shown = JSON.stringify(h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args);
      expect(shown).toContain(r.app!.publicId);
      expect(shown).toContain(r.shared!);
      expect(shown).toContain(`sk_dev_••••••••${r.secret!.slice(-4)}`);
      expect(shown).not.toContain(r.secret!);
      expect(shown).toContain("Active");
      expect(shown).toContain("Connected APIs");
    }
    const n = h.standIn.calls.length;
    await h.slack.blockAction({ userId: ALICE, actionId: "app_details", value: r.app!.publicId, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    expect(JSON.stringify(h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args)).toContain(r.shared!);

    // A stranger is refused, by command and by a forged button; an admin may look.
    const m = h.standIn.calls.length;
    await h.slack.command(`show ${r.app!.publicId}`, { userId: BOB });
    await h.slack.blockAction({ userId: BOB, actionId: "app_details", value: r.app!.publicId, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.slice(m).filter((x) => x.method === "response_url").length >= 2);
    for (const call of h.standIn.calls.slice(m).filter((x) => x.method === "response_url")) {
      expect(JSON.stringify(call.args)).not.toContain(r.shared!);
      expect(call.args.text).toMatch(/Only the app's owners/);
    }
    const k = h.standIn.calls.length;
    await h.slack.command("show ledger", { userId: BOB });
    await h.standIn.waitFor((c) => c.slice(k).some((x) => x.method === "response_url"));
    expect(h.standIn.calls.slice(k).find((x) => x.method === "response_url")!.args.text).toMatch(/No app of yours is called/);
    const a = h.standIn.calls.length;
    await h.slack.command(`show ${r.app!.publicId}`, { userId: ADMIN });
    await h.standIn.waitFor((c) => c.slice(a).some((x) => x.method === "response_url"));
    expect(JSON.stringify(h.standIn.calls.slice(a).find((x) => x.method === "response_url")!.args)).toContain(r.shared!);
    expect(h.standIn.violations).toEqual([]);
  });

  it("rejects bad titles with field errors and writes nothing", async () => {
    await createAppViaSlack(h, { userId: ALICE, title: "Taken" });
    const apps = await h.prisma.app.count();
    const cases: [string, RegExp][] = [
      ["", /Give the app a title/],
      ["   \u200b  ", /Give the app a title/],
      ["x".repeat(81), /80 characters/],
      ["tAKEN", /already exists/],
    ];
    for (const [title, msg] of cases) {
      const n = h.standIn.callsTo("views.open").length;
      await h.slack.command("new", { userId: ALICE });
      await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
      const viewId = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
      const res = await h.slack.submitView(viewId, { title, description: "d" }, { userId: ALICE });
      expect(res.body.response_action).toBe("errors");
      expect(res.body.errors.title).toMatch(msg);
    }
    // Over-long description.
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.command("create", { userId: ALICE });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const viewId = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    const res = await h.slack.submitView(viewId, { title: "Fine", description: "d".repeat(501) }, { userId: ALICE });
    expect(res.body.errors.description).toMatch(/500 characters/);
    // No endpoint selected.
    const ok = await h.slack.submitView(viewId, { title: "Fine", description: "" }, { userId: ALICE });
    expect(ok.body.response_action).toBe("update");
    const none = await h.slack.submitView(viewId, { endpoints: [] }, { userId: ALICE });
    expect(none.body.response_action).toBe("errors");
    expect(none.body.errors.endpoints).toMatch(/at least one/);
    const bogus = await h.slack.submitView(viewId, { endpoints: ["no.such.endpoint"] }, { userId: ALICE });
    expect(bogus.body.errors.endpoints).toMatch(/no longer in the catalog/);
    expect(await h.prisma.app.count()).toBe(apps);
  });

  it("answers health checks", async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it("answers help, unknown sub-commands and odd input with usage", async () => {
    for (const text of ["help", "frobnicate", "x".repeat(4000), "show", "\u202e\u0000 list extra", "keys revoke not-an-id"]) {
      const res = await h.slack.command(text, { userId: ALICE });
      expect(res.status).toBe(200);
      expect(res.body.response_type).toBe("ephemeral");
      expect(res.body.text).toContain("/apps create");
    }
    const unknown = await h.slack.command(`show app_AAAAAAAAAAAA`, { userId: ALICE });
    expect(unknown.status).toBe(200);
    await h.standIn.waitFor((c) => c.some((x) => x.method === "response_url" && /No app with App ID/.test(x.args.text)));
  });

  it("explains when Slack refuses to open the modal", async () => {
    h.standIn.failNext("views.open", { error: "invalid_trigger_id" });
    const n = h.standIn.callsTo("response_url").length;
    await h.slack.command("create", { userId: ALICE });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "response_url").length > n);
    expect(h.standIn.callsTo("response_url").at(-1)!.args.text).toMatch(/couldn't open the New App form.*invalid_trigger_id/);
  });

  it("revokes a key whose secret reached nobody", async () => {
    h.standIn.failNext("views.update", { error: "not_found" });
    h.standIn.failNext("chat.postEphemeral", { error: "user_not_in_channel" });
    const r = await createAppViaSlack(h, { userId: ALICE, title: "Undeliverable" });
    // The notice is sent after the revocation has committed.
    await h.standIn.waitFor((c) => c.some((x) => x.method === "chat.postMessage" && /could not deliver/.test(x.args.text)));
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    expect(cred.status).toBe("REVOKED");
    expect(cred.revokeReason).toBe("undelivered");
    const notice = h.standIn.callsTo("chat.postMessage").at(-1)!;
    expect(notice.args.text).not.toMatch(SECRET_RE);
  });

  it("tells the user nothing was changed when the database fails mid-transaction", async () => {
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.command("create", { userId: ALICE });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const viewId = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    await h.slack.submitView(viewId, { title: "Doomed" }, { userId: ALICE });
    // Break the table written after the app row: the whole transaction must roll back.
    await h.prisma.$executeRawUnsafe(`ALTER TABLE "credential" RENAME TO "credential_broken"`);
    try {
      const before = h.standIn.calls.length;
      await h.slack.submitView(viewId, { endpoints: await firstEndpoints(h, 1) }, { userId: ALICE });
      await h.standIn.waitFor((c) =>
        c.slice(before).some((x) => x.method === "views.update" && /Nothing was changed/.test(JSON.stringify(x.args.view))),
      );
      const msg = JSON.stringify(h.standIn.calls.slice(before).find((x) => x.method === "views.update")!.args.view);
      const requestId = /Request ID `([0-9a-f]{8})`/.exec(msg)?.[1];
      expect(requestId).toBeTruthy();
      // The same id is in the error log line, so an admin can find the cause.
      expect(h.logs.some((l) => l.includes(requestId!) && l.includes('"level":50'))).toBe(true);
      expect(msg).not.toMatch(/at \w+ \(|node_modules|prisma/i);
    } finally {
      await h.prisma.$executeRawUnsafe(`ALTER TABLE "credential_broken" RENAME TO "credential"`);
    }
    expect(await h.prisma.app.count({ where: { title: "Doomed" } })).toBe(0);
  });
});
