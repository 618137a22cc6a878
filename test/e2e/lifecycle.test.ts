import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startHarness, testClock, type Harness } from "../support/harness.js";
import { SECRET_RE, createAppViaSlack, dumpDatabase, slackSettled } from "../support/flows.js";

const OWNER = "UOWNER01";
const APPROVER1 = "UAPPR001";
const APPROVER2 = "UAPPR002";
const STRANGER = "USTRANGE";

/** Clicks a button and returns the id of the modal it opened (placeholder, then filled). */
async function clickOpen(h: Harness, userId: string, actionId: string, value: string, viewId?: string) {
  const n = h.standIn.callsTo("views.open").length;
  const u = h.standIn.callsTo("views.update").length;
  await h.slack.blockAction({ userId, actionId, value, channelId: "C0GENERAL", ...(viewId ? { viewId } : {}) });
  await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
  const id: string = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
  await h.standIn.waitFor(
    (c) => c.filter((x) => x.method === "views.update").length > u && c.some((x) => x.method === "views.update" && x.args.view_id === id),
  );
  return id;
}

/** Submits and waits until the modal shows its final (non-progress) state. */
async function submitAndSettle(h: Harness, viewId: string, values: Record<string, unknown>, userId: string) {
  const before = h.standIn.calls.length;
  const res = await h.slack.submitView(viewId, values, { userId });
  if (res.body?.response_action === "errors") return { res, text: "", calls: [] as typeof h.standIn.calls };
  await h.standIn.waitFor((c) => c.slice(before).some((x) => x.method === "views.update" && x.args.view_id === viewId));
  // Let the follow-up DMs land.
  await slackSettled(h);
  const calls = h.standIn.calls.slice(before);
  const text = JSON.stringify(calls.filter((x) => x.method === "views.update" && x.args.view_id === viewId).at(-1)?.args.view ?? {});
  return { res, text, calls };
}

describe("credential lifecycle", () => {
  let h: Harness;
  const clock = testClock(new Date("2026-03-02T10:00:00Z"));
  beforeAll(async () => {
    h = await startHarness({ clock, env: { APPROVER_USER_IDS: `${APPROVER1},${APPROVER2}` } });
  });
  afterAll(async () => h?.close());

  it("generates keys per environment with a label from details and from the command", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Billing" });
    const viewId = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    expect(JSON.stringify(h.standIn.currentView(viewId))).toContain("Where will this key be used?");
    const out = await submitAndSettle(h, viewId, { environment: "staging", label: "billing-worker" }, OWNER);
    const secret = SECRET_RE.exec(out.text)?.[0];
    expect(secret).toMatch(/^sk_stg_/);
    expect(out.calls.some((c) => c.method === "chat.postEphemeral" && JSON.stringify(c.args).includes(secret!))).toBe(true);
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id, environment: "staging" } });
    expect(cred.label).toBe("billing-worker");
    expect(await dumpDatabase(h)).not.toContain(secret!);

    // Same dialog from the command, by title.
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.command("keys generate billing", { userId: OWNER });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const cmdView = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    await h.standIn.waitFor((c) => c.some((x) => x.method === "views.update" && x.args.view_id === cmdView));
    const out2 = await submitAndSettle(h, cmdView, { environment: "development" }, OWNER);
    expect(SECRET_RE.exec(out2.text)?.[0]).toMatch(/^sk_dev_/);
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id, status: "ACTIVE" } })).toBe(3);
    expect(h.standIn.violations).toEqual([]);
  });

  it("production keys need an approver; the secret goes to the requester only", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Payouts" });
    const viewId = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    const out = await submitAndSettle(h, viewId, { environment: "production", label: "payouts-prod" }, OWNER);
    expect(out.text).toContain("sent to the approvers");
    expect(SECRET_RE.test(JSON.stringify(out.calls))).toBe(false);
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { appId: r.app!.id } });
    expect(approval.status).toBe("PENDING");
    await h.standIn.waitFor(
      (c) =>
        c.filter((x) => x.method === "chat.postMessage" && x.args.blocks && JSON.stringify(x.args.blocks).includes(approval.id)).length >=
        2,
    );
    const asks = h.standIn.callsTo("chat.postMessage").filter((x) => JSON.stringify(x.args.blocks ?? "").includes(approval.id));
    expect(asks.map((a) => a.args.channel).sort()).toEqual([APPROVER1, APPROVER2]);

    // A stranger's forged Review click gets nothing.
    const sv = await clickOpen(h, STRANGER, "approval_review", approval.id);
    expect(JSON.stringify(h.standIn.currentView(sv))).toContain("Only approvers");

    const review = await clickOpen(h, APPROVER1, "approval_review", approval.id);
    const reviewText = JSON.stringify(h.standIn.currentView(review));
    for (const s of ["Payouts", r.app!.publicId, `<@${OWNER}>`, "payouts-prod", "Connected APIs"]) expect(reviewText).toContain(s);
    const before = h.standIn.calls.length;
    const decided = await submitAndSettle(h, review, { decision: "approve", note: "ok for launch" }, APPROVER1);
    expect(decided.text).toContain("Approved");
    // The requester gets a DM that stays, with a button: no key exists until they collect it.
    await h.standIn.waitFor((c) =>
      c
        .slice(before)
        .some(
          (x) => x.method === "chat.postMessage" && x.args.channel === OWNER && JSON.stringify(x.args.blocks ?? "").includes("Get my key"),
        ),
    );
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id, environment: "production" } })).toBe(0);
    expect(SECRET_RE.test(JSON.stringify(h.standIn.calls.slice(before)))).toBe(false);
    // Only the requester can collect it.
    const wrong = await clickOpen(h, APPROVER1, "approval_collect", approval.id);
    expect(JSON.stringify(h.standIn.currentView(wrong))).toContain("Only the person who asked");
    const collectFrom = h.standIn.calls.length;
    const mine = await clickOpen(h, OWNER, "approval_collect", approval.id);
    await h.standIn.waitFor((c) => c.slice(collectFrom).some((x) => x.method === "chat.postEphemeral"));
    const secret = SECRET_RE.exec(JSON.stringify(h.standIn.currentView(mine)))?.[0];
    expect(secret).toMatch(/^sk_prod_/);
    const secretCalls = h.standIn.calls.slice(before).filter((x) => JSON.stringify(x.args).includes(secret!));
    expect(secretCalls.map((c) => [c.method, c.args.user ?? c.args.view_id])).toEqual([
      ["views.update", mine],
      ["chat.postEphemeral", OWNER],
    ]);
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id, environment: "production" } });
    expect(cred.createdBy).toBe(OWNER);
    const done = await h.prisma.approval.findUniqueOrThrow({ where: { id: approval.id } });
    expect(done.decidedBy).toBe(APPROVER1);
    expect(done.issuedCredentialId).toBe(cred.id);
    // A second click says where the key went; nothing new is issued.
    const again = await clickOpen(h, OWNER, "approval_collect", approval.id);
    expect(JSON.stringify(h.standIn.currentView(again))).toContain("already collected");

    // The other approver's button, clicked later, says it is done and changes nothing.
    const late = await clickOpen(h, APPROVER2, "approval_review", approval.id);
    expect(JSON.stringify(h.standIn.currentView(late))).toContain("already approved");
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id, environment: "production" } })).toBe(1);
    expect(h.standIn.violations).toEqual([]);
  });

  it("a rejection needs a note and reaches the requester", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Rejected one" });
    const viewId = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    await submitAndSettle(h, viewId, { environment: "production" }, OWNER);
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { appId: r.app!.id } });
    const review = await clickOpen(h, APPROVER2, "approval_review", approval.id);
    const noNote = await h.slack.submitView(review, { decision: "reject" }, { userId: APPROVER2 });
    expect(noNote.body.errors.note).toMatch(/why/);
    await submitAndSettle(h, review, { decision: "reject", note: "use staging first" }, APPROVER2);
    await h.standIn.waitFor((c) =>
      c.some((x) => x.method === "chat.postMessage" && x.args.channel === OWNER && /rejected/.test(x.args.text)),
    );
    expect(
      h.standIn.callsTo("chat.postMessage").find((x) => x.args.channel === OWNER && /rejected/.test(x.args.text))!.args.text,
    ).toContain("use staging first");
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id, environment: "production" } })).toBe(0);
  });

  it("two approvers approving at the same moment: exactly one wins", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Race" });
    const viewId = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    await submitAndSettle(h, viewId, { environment: "production" }, OWNER);
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { appId: r.app!.id } });
    const v1 = await clickOpen(h, APPROVER1, "approval_review", approval.id);
    const v2 = await clickOpen(h, APPROVER2, "approval_review", approval.id);
    const [a, b] = await Promise.all([
      submitAndSettle(h, v1, { decision: "approve" }, APPROVER1),
      submitAndSettle(h, v2, { decision: "approve" }, APPROVER2),
    ]);
    await vi.waitFor(() => {
      const texts = [JSON.stringify(h.standIn.currentView(v1)), JSON.stringify(h.standIn.currentView(v2))];
      expect(texts.filter((t) => t.includes("Approved.")).length).toBe(1);
      expect(texts.filter((t) => /already approved|decided on this request a moment ago/.test(t)).length).toBe(1);
    });
    expect(a.res.status).toBe(200);
    expect(b.res.status).toBe(200);
    expect(await h.prisma.approval.count({ where: { appId: r.app!.id, status: "APPROVED" } })).toBe(1);
    expect(await h.prisma.auditEvent.count({ where: { action: "approval.approved", appId: r.app!.id } })).toBe(1);
    await clickOpen(h, OWNER, "approval_collect", approval.id);
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id, environment: "production" } })).toBe(1);
  });

  it("revokes now, refuses twice, and keeps the revoked key recognisable", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Revoke me" });
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    const viewId = await clickOpen(h, OWNER, "cred_revoke", cred.id);
    const modalText = JSON.stringify(h.standIn.currentView(viewId));
    expect(modalText).toContain("Revoking the Key");
    expect(modalText).toContain("cannot be retrieved");
    expect(modalText).toContain(cred.sharedKey);
    const other = await h.slack.submitView(viewId, { revoke_action: "now", reason: "other" }, { userId: OWNER });
    expect(other.body.errors.note).toMatch(/Say why/);
    const out = await submitAndSettle(h, viewId, { revoke_action: "now", reason: "no_longer_needed" }, OWNER);
    expect(out.text).toContain("is revoked");
    const after = await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } });
    expect(after.status).toBe("REVOKED");
    expect(after.revokedBy).toBe(OWNER);
    expect(after.revokeReason).toBe("no_longer_needed");
    expect(after.secretHash).toBe(cred.secretHash);
    expect(await h.prisma.auditEvent.count({ where: { credentialId: cred.id, action: "credential.revoked" } })).toBe(1);

    // The same button again (a stale message), and the command: a clear answer, nothing changes.
    const again = await clickOpen(h, OWNER, "cred_revoke", cred.id);
    expect(JSON.stringify(h.standIn.currentView(again))).toContain("already revoked");
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.command(`keys revoke ${cred.id}`, { userId: OWNER });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const cmdView = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    await h.standIn.waitFor((c) => c.some((x) => x.method === "views.update" && x.args.view_id === cmdView));
    expect(JSON.stringify(h.standIn.currentView(cmdView))).toContain("already revoked");
    // An unknown credential id.
    const u = await clickOpen(h, OWNER, "cred_revoke", "cred_doesnotexist00");
    expect(JSON.stringify(h.standIn.currentView(u))).toContain("No credential with ID");
    expect(await h.prisma.auditEvent.count({ where: { credentialId: cred.id, action: "credential.revoked" } })).toBe(1);
  });

  it("revokes and replaces; or replaces now and revokes after the grace period", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Rotate me" });
    const first = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    const v = await clickOpen(h, OWNER, "cred_revoke", first.id);
    const out = await submitAndSettle(h, v, { revoke_action: "replace", reason: "routine_rotation" }, OWNER);
    const newSecret = SECRET_RE.exec(out.text)?.[0];
    expect(newSecret).toBeTruthy();
    const old = await h.prisma.credential.findUniqueOrThrow({ where: { id: first.id } });
    expect(old.status).toBe("REVOKED");
    const repl = await h.prisma.credential.findUniqueOrThrow({ where: { id: old.replacedById! } });
    expect(repl.status).toBe("ACTIVE");
    expect(repl.environment).toBe(first.environment);

    // Grace: the old key stays active until its time, then the scheduler revokes it.
    const g = await clickOpen(h, OWNER, "cred_rotate", repl.id);
    const radio = h.standIn.currentView(g).blocks.find((b: { block_id?: string }) => b.block_id === "revoke_action");
    expect(radio.element.initial_option.value).toBe("replace_grace");
    const gOut = await submitAndSettle(h, g, { revoke_action: "replace_grace", grace: "24h", reason: "routine_rotation" }, OWNER);
    expect(SECRET_RE.test(gOut.text)).toBe(true);
    const graced = await h.prisma.credential.findUniqueOrThrow({ where: { id: repl.id } });
    expect(graced.status).toBe("ACTIVE");
    expect(graced.revokeAt!.getTime()).toBe(clock().getTime() + 86_400_000);
    clock.advance(86_400_000 - 1000);
    expect(await h.app.services.credentials.executeDueRevocations()).toBe(0);
    clock.advance(1000);
    expect(await h.app.services.credentials.executeDueRevocations()).toBe(1);
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: repl.id } })).status).toBe("REVOKED");
    expect(await h.app.services.credentials.executeDueRevocations()).toBe(0);
    const audit = await h.prisma.auditEvent.findFirstOrThrow({ where: { credentialId: repl.id, action: "credential.revoked" } });
    expect(audit.details).toMatchObject({ scheduled: true });
    expect(await h.prisma.auditEvent.count({ where: { credentialId: repl.id, action: "credential.revoke_scheduled" } })).toBe(1);
  });

  it("production revocation needs another approver; an approver's 'compromised' is immediate", async () => {
    // An approver owns this app, so its production key is issued directly.
    const r = await createAppViaSlack(h, { userId: APPROVER1, title: "Prod app", environment: "production" });
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    expect(cred.environment).toBe("production");
    // Approver1 asks for a routine revocation: that needs approver2, and approver1 cannot self-approve.
    const v = await clickOpen(h, APPROVER1, "cred_revoke", cred.id);
    await submitAndSettle(h, v, { revoke_action: "now", reason: "routine_rotation" }, APPROVER1);
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { credentialId: cred.id } });
    const self = await clickOpen(h, APPROVER1, "approval_review", approval.id);
    expect(JSON.stringify(h.standIn.currentView(self))).toContain("your own request");
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } })).status).toBe("ACTIVE");
    const review = await clickOpen(h, APPROVER2, "approval_review", approval.id);
    await submitAndSettle(h, review, { decision: "approve" }, APPROVER2);
    const done = await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } });
    expect(done.status).toBe("REVOKED");
    expect(done.revokedBy).toBe(APPROVER1);

    // Compromised, marked by an approver, with a grace period asked for: immediate, grace ignored.
    const vg = await clickOpen(h, APPROVER1, "key_generate_open", r.app!.publicId);
    await submitAndSettle(h, vg, { environment: "production" }, APPROVER1);
    const second = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id, status: "ACTIVE" } });
    const vc = await clickOpen(h, APPROVER1, "cred_revoke", second.id);
    const out = await submitAndSettle(h, vc, { revoke_action: "replace_grace", grace: "7d", reason: "compromised" }, APPROVER1);
    const s2 = await h.prisma.credential.findUniqueOrThrow({ where: { id: second.id } });
    expect(s2.status).toBe("REVOKED");
    expect(s2.revokeAt).toBeNull();
    expect(SECRET_RE.test(out.text)).toBe(true); // the replacement, shown once
  });

  it("a production revocation by a non-approver owner waits for an approver", async () => {
    const r = await createAppViaSlack(h, { userId: APPROVER2, title: "Shared prod", environment: "production" });
    await h.prisma.appOwner.upsert({
      where: { appId_userId: { appId: r.app!.id, userId: OWNER } },
      create: { appId: r.app!.id, userId: OWNER, addedBy: APPROVER2 },
      update: {},
    });
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    const v = await clickOpen(h, OWNER, "cred_revoke", cred.id);
    const out = await submitAndSettle(h, v, { revoke_action: "now", reason: "compromised" }, OWNER);
    expect(out.text).toContain("sent to the approvers");
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } })).status).toBe("ACTIVE");
    // A second request for the same key while one is pending is refused.
    const v2 = await clickOpen(h, OWNER, "cred_revoke", cred.id);
    const dup = await submitAndSettle(h, v2, { revoke_action: "now", reason: "compromised" }, OWNER);
    expect(dup.text).toContain("already waiting for an approver");
    // Archived meanwhile: the approver is told, nothing changes.
    await h.prisma.app.update({ where: { id: r.app!.id }, data: { archivedAt: clock() } });
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { credentialId: cred.id } });
    const review = await clickOpen(h, APPROVER1, "approval_review", approval.id);
    const res = await submitAndSettle(h, review, { decision: "approve" }, APPROVER1);
    expect(res.text).toContain("archived");
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } })).status).toBe("ACTIVE");
    expect((await h.prisma.approval.findUniqueOrThrow({ where: { id: approval.id } })).status).toBe("CANCELLED");
  });

  it("refuses strangers, whatever button or form they forge", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Guarded" });
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    const g = await clickOpen(h, STRANGER, "key_generate_open", r.app!.publicId);
    expect(JSON.stringify(h.standIn.currentView(g))).toMatch(/Only the app's owners/);
    const v = await clickOpen(h, STRANGER, "cred_revoke", cred.id);
    expect(JSON.stringify(h.standIn.currentView(v))).toMatch(/Only the app's owners/);
    // The owner's real dialog, submitted by the stranger.
    const ov = await clickOpen(h, OWNER, "cred_revoke", cred.id);
    const forged = await submitAndSettle(h, ov, { revoke_action: "now", reason: "no_longer_needed" }, STRANGER);
    expect(forged.text).toMatch(/Only the app's owners/);
    const og = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    const forgedGen = await submitAndSettle(h, og, { environment: "development" }, STRANGER);
    expect(forgedGen.text).toMatch(/Only the app's owners|No app/);
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } })).status).toBe("ACTIVE");
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id } })).toBe(1);
    expect(h.standIn.violations).toEqual([]);
  });

  it("archives an app: keys revoked, requests cancelled, title free again", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Sunset" });
    const g = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    await submitAndSettle(h, g, { environment: "production" }, OWNER);
    const openArchive = async (userId: string) => {
      const n = h.standIn.callsTo("views.open").length;
      await h.slack.command(`archive ${r.app!.publicId}`, { userId });
      await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
      const id = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
      await h.standIn.waitFor((c) => c.some((x) => x.method === "views.update" && x.args.view_id === id));
      return id;
    };
    const strangerView = await openArchive(STRANGER);
    expect(JSON.stringify(h.standIn.currentView(strangerView))).toMatch(/Only the app's owners/);
    const v = await openArchive(OWNER);
    const text = JSON.stringify(h.standIn.currentView(v));
    expect(text).toContain("1 active key");
    expect(text).toContain("1 pending request");
    // Submitted by a stranger (forged): refused.
    const forged = await submitAndSettle(h, v, {}, STRANGER);
    expect(forged.text).toMatch(/Only the app's owners|No app/);
    const v2 = await openArchive(OWNER);
    const out = await submitAndSettle(h, v2, {}, OWNER);
    expect(out.text).toContain("is archived; 1 key(s) revoked");
    const app = await h.prisma.app.findUniqueOrThrow({ where: { id: r.app!.id } });
    expect(app.archivedAt).not.toBeNull();
    expect(await h.prisma.credential.count({ where: { appId: app.id, status: "ACTIVE" } })).toBe(0);
    expect(await h.prisma.approval.count({ where: { appId: app.id, status: "PENDING" } })).toBe(0);
    expect(await h.prisma.auditEvent.count({ where: { appId: app.id, action: "app.archived" } })).toBe(1);
    // The title is free again, and the archived app is gone from lists and lookups.
    const again = await createAppViaSlack(h, { userId: OWNER, title: "sunset" });
    expect(again.app!.id).not.toBe(app.id);
    const n = h.standIn.calls.length;
    await h.slack.command(`show ${r.app!.publicId}`, { userId: OWNER });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    expect(h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args.text).toMatch(/No app with App ID/);
    expect(h.standIn.violations).toEqual([]);
  });

  it("lists pending requests to approvers only, each with its Review button", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Pending list" });
    const g = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    await submitAndSettle(h, g, { environment: "production", label: "pending-label" }, OWNER);
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { appId: r.app!.id, status: "PENDING" } });
    const ask = async (userId: string) => {
      const n = h.standIn.calls.length;
      await h.slack.command("approvals", { userId });
      await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
      return h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args;
    };
    const listed = await ask(APPROVER2);
    const text = JSON.stringify(listed.blocks);
    expect(text).toContain(approval.id);
    expect(text).toContain("pending-label");
    expect(text).toContain("Review");
    expect((await ask(OWNER)).text).toMatch(/Only approvers/);
    expect(h.standIn.violations).toEqual([]);
  });

  it("approvers who don't own an app may revoke its keys, never hold a replacement", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Not the approver's" });
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    const v = await clickOpen(h, APPROVER1, "cred_revoke", cred.id);
    const radio = h.standIn.currentView(v).blocks.find((b: { block_id?: string }) => b.block_id === "revoke_action");
    expect(radio.element.options.map((o: { value: string }) => o.value)).toEqual(["now"]);
    // Forged: the owner's full dialog, submitted by the approver with "replace".
    const ov = await clickOpen(h, OWNER, "cred_revoke", cred.id);
    const forged = await submitAndSettle(h, ov, { revoke_action: "replace", reason: "compromised" }, APPROVER1);
    expect(forged.text).toContain("not issue replacements");
    expect(SECRET_RE.test(JSON.stringify(forged.calls))).toBe(false);
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id } })).toBe(1);
    const ok = await submitAndSettle(h, v, { revoke_action: "now", reason: "compromised" }, APPROVER1);
    expect(ok.text).toContain("is revoked");
  });

  it("an approved 'revoke and replace' revokes at once; the requester collects the replacement", async () => {
    const r = await createAppViaSlack(h, { userId: APPROVER2, title: "Replace on approval", environment: "production" });
    await h.prisma.appOwner.create({ data: { appId: r.app!.id, userId: OWNER, addedBy: APPROVER2 } });
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    const v = await clickOpen(h, OWNER, "cred_revoke", cred.id);
    // A secret pasted into the note is refused with a field error, and nothing is requested.
    const pasted = await submitAndSettle(
      h,
      v,
      { revoke_action: "replace", reason: "routine_rotation", note: `oops sk_prod_${"A".repeat(38)}` },
      OWNER,
    );
    expect(pasted.res.body.errors.note).toMatch(/looks like a secret key/);
    expect(await h.prisma.approval.count({ where: { credentialId: cred.id } })).toBe(0);
    await submitAndSettle(h, v, { revoke_action: "replace", reason: "routine_rotation" }, OWNER);
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { credentialId: cred.id } });
    const review = await clickOpen(h, APPROVER1, "approval_review", approval.id);
    await submitAndSettle(h, review, { decision: "approve" }, APPROVER1);
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } })).status).toBe("REVOKED");
    const m = await clickOpen(h, OWNER, "approval_collect", approval.id);
    expect(SECRET_RE.exec(JSON.stringify(h.standIn.currentView(m)))?.[0]).toMatch(/^sk_prod_/);
    const old = await h.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } });
    expect(old.replacedById).toBeTruthy();
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: old.replacedById! } })).createdBy).toBe(OWNER);
  });

  it("cancels an approval whose requester is no longer an owner", async () => {
    const r = await createAppViaSlack(h, { userId: APPROVER2, title: "Former owner" });
    await h.prisma.appOwner.create({ data: { appId: r.app!.id, userId: OWNER, addedBy: APPROVER2 } });
    const g = await clickOpen(h, OWNER, "key_generate_open", r.app!.publicId);
    await submitAndSettle(h, g, { environment: "production" }, OWNER);
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { appId: r.app!.id, status: "PENDING" } });
    await h.prisma.appOwner.delete({ where: { appId_userId: { appId: r.app!.id, userId: OWNER } } });
    const review = await clickOpen(h, APPROVER1, "approval_review", approval.id);
    const res = await submitAndSettle(h, review, { decision: "approve" }, APPROVER1);
    expect(res.text).toContain("no longer an owner");
    expect((await h.prisma.approval.findUniqueOrThrow({ where: { id: approval.id } })).status).toBe("CANCELLED");
  });

  it("of two owners rotating one key at once, only one issues a replacement", async () => {
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Double rotate" });
    const cred = await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } });
    const actor = { userId: OWNER, teamId: "T0001", isAdmin: false, isApprover: false };
    const req = { action: "replace_grace" as const, grace: "24h" as const, reason: "routine_rotation" as const };
    const results = await Promise.allSettled([
      h.app.services.credentials.requestRevoke(actor, cred.id, req),
      h.app.services.credentials.requestRevoke(actor, cred.id, req),
    ]);
    expect(results.filter((x) => x.status === "fulfilled").length).toBe(1);
    expect(await h.prisma.credential.count({ where: { appId: r.app!.id } })).toBe(2);
  });
});
