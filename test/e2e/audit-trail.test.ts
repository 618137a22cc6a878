// The audit trail read as an investigator would: the real app driven through the Slack stand-in,
// each kind of event checked, as the audit channel receives it, against what was done: who
// asked, who approved, what, to which credential/app/environment, why, and only the parameters
// that applied (issue 9, part 3).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverPending } from "../../src/features/audit/worker.js";
import { RotationJobs, rotationClient } from "../../src/features/rotation/worker.js";
import { SECRET_RE, createAppViaSlack, slackSettled } from "../support/flows.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";
import type { RecordedCall } from "../support/slack-standin.js";

const OWNER = "UOWNER01";
const BOB = "UBOB0001";
const APPROVER1 = "UAPPR001";
const APPROVER2 = "UAPPR002";
const ADMIN = "UADMIN01";
const AUDIT = "CAUDIT001";
const ROTATION = "CROTATE01";
const HOUR = 3_600_000;
const DATE = /<!date\^\d+\^[^|]+\|[^>]+>/;

/** One audit-channel message, taken apart the way a reader sees it. */
interface Seen {
  headline: string;
  fields: Record<string, string>;
  lines: string[];
  text: string;
  all: string;
}

function read(c: RecordedCall): Seen {
  const blocks = c.args.blocks as any[];
  const fields: Record<string, string> = {};
  for (const f of blocks[1].fields as { text: string }[]) {
    const [name, ...rest] = f.text.split("\n");
    fields[name!.replace(/\*/g, "")] = rest.join("\n");
  }
  const detail = blocks.find((b, i) => i > 1 && b.type === "section");
  return {
    headline: blocks[0].text.text,
    fields,
    lines: detail ? String(detail.text.text).split("\n") : [],
    text: String(c.args.text),
    all: JSON.stringify(c.args),
  };
}

interface Want {
  /** The headline, e.g. ":no_entry: *API key revoked* by <@U…>" */
  headline: string | RegExp;
  app?: { title: string; publicId: string };
  credential?: string;
  environment?: "Development" | "Staging" | "Production";
  reason?: string;
  /** Exactly these detail lines, in this order: nothing that did not apply. */
  lines: (string | RegExp)[];
}

/** Soft assertions: a wrong event is reported and the story goes on, so one run shows every defect. */
function expectEvent(seen: Seen, want: Want) {
  // First, and spelled out though the exact lines below say it too: no grace period where none applied.
  if (!want.lines.some((l) => String(l).includes("Grace period"))) expect.soft(seen.lines.join("\n")).not.toMatch(/grace/i);
  if (typeof want.headline === "string") expect.soft(seen.headline).toBe(want.headline);
  else expect.soft(seen.headline).toMatch(want.headline);
  const fields: Record<string, unknown> = { When: expect.stringMatching(DATE) };
  if (want.app) fields.App = `*${want.app.title}* (\`${want.app.publicId}\`)`;
  if (want.credential) fields.Credential = `\`${want.credential}\``;
  if (want.environment) fields.Environment = expect.stringMatching(new RegExp(`^:[a-z_]+: ${want.environment}$`));
  if (want.reason) fields.Reason = want.reason;
  expect.soft(seen.fields).toEqual(fields);
  expect.soft(seen.lines).toEqual(want.lines.map((l) => (typeof l === "string" ? l : expect.stringMatching(l))));
  expect.soft(seen.all).not.toMatch(SECRET_RE);
  // The notification text says the same what and who.
  expect.soft(seen.text.startsWith(seen.headline.replace(/^:[a-z_]+: \*([^*]+)\* /, "$1 "))).toBe(true);
}

describe("audit trail: every event says exactly what happened", () => {
  let h: Harness;
  const clock = testClock(new Date("2026-05-04T09:00:00Z"));
  let app: { id: string; publicId: string; title: string };
  const cred = {} as Record<"dev" | "staging" | "devReplacement" | "graced" | "prod" | "prod2" | "prod3", string>;

  beforeAll(async () => {
    h = await startHarness({
      clock,
      env: {
        AUDIT_CHANNEL_ID: AUDIT,
        ROTATION_CHANNEL_ID: ROTATION,
        APPROVER_USER_IDS: `${APPROVER1},${APPROVER2}`,
        ADMIN_USER_IDS: ADMIN,
      },
      // The audit worker is driven by hand below, so each step's messages are known exactly.
      appOptions: { noWorkers: true },
    });
  });
  afterAll(async () => h?.close());

  /** Runs a step, delivers what it audited, returns the audit-channel messages it produced. */
  async function audited(step: () => Promise<unknown>): Promise<Seen[]> {
    await slackSettled(h, 50);
    clock.advance(60_000); // each step a minute apart: keys are told apart by when they were made
    const from = h.standIn.calls.length;
    await step();
    await slackSettled(h, 50);
    while ((await deliverPending(h.app.services, h.app.bolt.client)) > 0);
    return h.standIn.calls
      .slice(from)
      .filter((c) => c.method === "chat.postMessage" && c.args.channel === AUDIT && !c.failed)
      .map(read);
  }

  /** Clicks a button and returns the id of the modal it opened once filled. */
  async function clickOpen(userId: string, actionId: string, value: string) {
    const n = h.standIn.callsTo("views.open").length;
    await h.slack.blockAction({ userId, actionId, value, channelId: "C0GENERAL" });
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const id: string = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    await h.standIn.waitFor((c) => c.some((x) => x.method === "views.update" && x.args.view_id === id));
    return id;
  }

  /** Submits a modal and returns the text of what it finally shows (after its progress view, unless `direct`). */
  async function submit(viewId: string, values: Record<string, unknown>, userId: string, direct = false) {
    const before = h.standIn.calls.length;
    expect(h.standIn.currentView(viewId).submit, JSON.stringify(h.standIn.currentView(viewId))).toBeTruthy();
    const res = await h.slack.submitView(viewId, values, { userId });
    expect(res.body?.response_action, JSON.stringify(res.body)).toBe("update");
    if (!direct) await h.standIn.waitFor((c) => c.slice(before).some((x) => x.method === "views.update" && x.args.view_id === viewId));
    await slackSettled(h, 50);
    return JSON.stringify(h.standIn.currentView(viewId));
  }

  async function command(text: string, userId: string) {
    const n = h.standIn.calls.length;
    expect((await h.slack.command(text, { userId })).status).toBe(200);
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url" || x.method === "views.open"));
    return h.standIn.calls.slice(n).find((x) => x.method === "response_url" || x.method === "views.open")!;
  }

  const approvalOf = (where: object) => h.prisma.approval.findFirstOrThrow({ where: { ...where, status: "PENDING" } });
  const activeKey = (environment: "development" | "staging" | "production") =>
    h.prisma.credential.findFirstOrThrow({ where: { appId: app.id, environment, status: "ACTIVE" }, orderBy: { createdAt: "desc" } });

  it("create: the app, then its first key", async () => {
    let created!: Awaited<ReturnType<typeof createAppViaSlack>>;
    const [appEvent, keyEvent, ...rest] = await audited(async () => {
      created = await createAppViaSlack(h, { userId: OWNER, title: "Ledger", environment: "development" });
    });
    expect(rest).toEqual([]);
    app = created.app!;
    cred.dev = (await activeKey("development")).id;
    expectEvent(appEvent!, {
      headline: `:sparkles: *App created* by <@${OWNER}>`,
      app,
      lines: ["*Endpoints:* 2"],
    });
    expectEvent(keyEvent!, {
      headline: `:key: *API key generated* by <@${OWNER}>`,
      app,
      credential: cred.dev,
      environment: "Development",
      lines: [],
    });
    expect(keyEvent!.text).toBe(`API key generated by <@${OWNER}>: Ledger (${app.publicId}) · ${cred.dev} · development`);
  });

  it("generate: a staging key with its label", async () => {
    const [ev, ...rest] = await audited(async () => {
      const v = await clickOpen(OWNER, "key_generate_open", app.publicId);
      expect(await submit(v, { environment: "staging", label: "batch-worker" }, OWNER)).toMatch(SECRET_RE);
    });
    expect(rest).toEqual([]);
    cred.staging = (await activeKey("staging")).id;
    expectEvent(ev!, {
      headline: `:key: *API key generated* by <@${OWNER}>`,
      app,
      credential: cred.staging,
      environment: "Staging",
      lines: ["*Label:* batch-worker"],
    });
  });

  it("request (production, by a non-approver), approve and collect", async () => {
    let modal = "";
    const [requested, ...rest] = await audited(async () => {
      const v = await clickOpen(OWNER, "key_generate_open", app.publicId);
      modal = await submit(v, { environment: "production", label: "prod-api" }, OWNER);
    });
    expect(rest).toEqual([]);
    expect.soft(modal).toContain("sent to the approvers");
    expect.soft(modal).toContain("A new secret is delivered to you privately");
    const approval = await approvalOf({ appId: app.id, kind: "GENERATE" });
    expectEvent(requested!, {
      headline: `:inbox_tray: *API key requested (awaiting approval)* by <@${OWNER}>`,
      app,
      environment: "Production",
      lines: ["*Label:* prod-api", `*Approval request:* \`${approval.id}\``],
    });

    const [approved, ...none] = await audited(async () => {
      const review = await clickOpen(APPROVER1, "approval_review", approval.id);
      expect(await submit(review, { decision: "approve", note: "ok for launch" }, APPROVER1)).toContain("Approved");
    });
    expect(none).toEqual([]);
    expectEvent(approved!, {
      headline: `:white_check_mark: *Request approved* by <@${APPROVER1}>`,
      app,
      environment: "Production",
      reason: "ok for launch",
      lines: [
        "*Request:* New production key",
        `*Requested by:* <@${OWNER}>`,
        "*Label:* prod-api",
        `*Approval request:* \`${approval.id}\``,
      ],
    });

    const [collected, ...more] = await audited(async () => {
      const m = await clickOpen(OWNER, "approval_collect", approval.id);
      expect(JSON.stringify(h.standIn.currentView(m))).toMatch(SECRET_RE);
    });
    expect(more).toEqual([]);
    cred.prod = (await activeKey("production")).id;
    expectEvent(collected!, {
      headline: `:key: *API key generated* by <@${OWNER}>`,
      app,
      credential: cred.prod,
      environment: "Production",
      lines: ["*Label:* prod-api", `*Approval request:* \`${approval.id}\``, `*Approved by:* <@${APPROVER1}>`],
    });
  });

  it("reject: the approver's note is the reason", async () => {
    await audited(async () => {
      const v = await clickOpen(OWNER, "key_generate_open", app.publicId);
      await submit(v, { environment: "production" }, OWNER);
    });
    const approval = await approvalOf({ appId: app.id, kind: "GENERATE" });
    const [rejected, ...rest] = await audited(async () => {
      const review = await clickOpen(APPROVER2, "approval_review", approval.id);
      await submit(review, { decision: "reject", note: "use staging first" }, APPROVER2);
    });
    expect(rest).toEqual([]);
    expectEvent(rejected!, {
      headline: `:x: *Request rejected* by <@${APPROVER2}>`,
      app,
      environment: "Production",
      reason: "use staging first",
      lines: ["*Request:* New production key", `*Requested by:* <@${OWNER}>`, `*Approval request:* \`${approval.id}\``],
    });
  });

  it("revoke now: no grace period, though the form's grace field keeps its default", async () => {
    const [ev, ...rest] = await audited(async () => {
      const v = await clickOpen(OWNER, "cred_revoke", cred.staging);
      expect(await submit(v, { revoke_action: "now", reason: "no_longer_needed" }, OWNER)).toContain("is revoked");
    });
    expect(rest).toEqual([]);
    expectEvent(ev!, {
      headline: `:no_entry: *API key revoked* by <@${OWNER}>`,
      app,
      credential: cred.staging,
      environment: "Staging",
      reason: "No longer needed",
      lines: ["*Action:* Revoke now"],
    });
  });

  it("replace: the replacement, then the revocation naming it; no grace period", async () => {
    const [issued, revoked, ...rest] = await audited(async () => {
      const v = await clickOpen(OWNER, "cred_revoke", cred.dev);
      expect(await submit(v, { revoke_action: "replace", reason: "routine_rotation" }, OWNER)).toMatch(SECRET_RE);
    });
    expect(rest).toEqual([]);
    cred.devReplacement = (await activeKey("development")).id;
    expectEvent(issued!, {
      headline: `:key: *API key generated* by <@${OWNER}>`,
      app,
      credential: cred.devReplacement,
      environment: "Development",
      lines: [`*Replaces:* \`${cred.dev}\``],
    });
    expectEvent(revoked!, {
      headline: `:no_entry: *API key revoked* by <@${OWNER}>`,
      app,
      credential: cred.dev,
      environment: "Development",
      reason: "Routine rotation",
      lines: ["*Action:* Revoke and issue a replacement", `*Replaced by:* \`${cred.devReplacement}\``],
    });
  });

  it("replace + grace: the grace period, when it ends and the replacement; then the revocation when it ends", async () => {
    cred.graced = cred.devReplacement;
    const [issued, scheduled, ...rest] = await audited(async () => {
      const v = await clickOpen(OWNER, "cred_rotate", cred.graced);
      await submit(v, { revoke_action: "replace_grace", grace: "1h", reason: "other", note: "moving to the vault" }, OWNER);
    });
    expect(rest).toEqual([]);
    const replacement = (await activeKey("development")).id;
    expect(replacement).not.toBe(cred.graced);
    expect.soft(issued!.headline).toBe(`:key: *API key generated* by <@${OWNER}>`);
    expect.soft(issued!.lines).toEqual([`*Replaces:* \`${cred.graced}\``]);
    expectEvent(scheduled!, {
      headline: `:hourglass_flowing_sand: *API key revocation scheduled* by <@${OWNER}>`,
      app,
      credential: cred.graced,
      environment: "Development",
      reason: "Other",
      lines: [
        "*Action:* Issue a replacement now, revoke the old key after a grace period",
        "*Grace period:* 1 hour",
        "*Note:* moving to the vault",
        `*Replaced by:* \`${replacement}\``,
        /^\*Revoke at:\* <!date\^\d+\^/,
      ],
    });

    // The grace period ends: the revocation job, on the injected clock, revokes it.
    const jobs = new RotationJobs(h.app.services, rotationClient(h.app.bolt.client, h.app.services), { replicaId: "audit-trail" });
    expect(await audited(() => jobs.runRevocations())).toEqual([]); // not yet
    clock.advance(HOUR);
    const [ended, ...after] = await audited(() => jobs.runRevocations());
    expect(after).toEqual([]);
    expectEvent(ended!, {
      headline: `:no_entry: *API key revoked: its grace period ended* by <@${OWNER}>`,
      app,
      credential: cred.graced,
      environment: "Development",
      reason: "Other",
      lines: ["*Note:* moving to the vault", `*Replaced by:* \`${replacement}\``],
    });
  });

  it("a production 'revoke now' needs an approver: request, confirmation, approval and revocation carry no grace", async () => {
    let modal = "";
    const [requested, ...rest] = await audited(async () => {
      const v = await clickOpen(OWNER, "cred_revoke", cred.prod);
      modal = await submit(v, { revoke_action: "now", reason: "compromised", note: "seen in a public gist" }, OWNER);
    });
    expect(rest).toEqual([]);
    expect.soft(modal).toContain("sent to the approvers");
    expect.soft(modal).not.toMatch(/new secret/i); // "revoke now" issues none
    const approval = await approvalOf({ credentialId: cred.prod });
    expectEvent(requested!, {
      headline: `:inbox_tray: *API key revocation requested (awaiting approval)* by <@${OWNER}>`,
      app,
      credential: cred.prod,
      environment: "Production",
      reason: "Compromised",
      lines: ["*Action:* Revoke now", "*Note:* seen in a public gist", `*Approval request:* \`${approval.id}\``],
    });

    const [approved, revoked, ...more] = await audited(async () => {
      const review = await clickOpen(APPROVER2, "approval_review", approval.id);
      await submit(review, { decision: "approve" }, APPROVER2);
    });
    expect(more).toEqual([]);
    expectEvent(approved!, {
      headline: `:white_check_mark: *Request approved* by <@${APPROVER2}>`,
      app,
      credential: cred.prod,
      environment: "Production",
      lines: [
        "*Request:* Revocation",
        `*Requested by:* <@${OWNER}>`,
        "*Action:* Revoke now",
        "*Request reason:* Compromised",
        "*Request note:* seen in a public gist",
        `*Approval request:* \`${approval.id}\``,
      ],
    });
    expectEvent(revoked!, {
      headline: `:no_entry: *API key revoked* by <@${OWNER}>`,
      app,
      credential: cred.prod,
      environment: "Production",
      reason: "Compromised",
      lines: [
        "*Action:* Revoke now",
        "*Note:* seen in a public gist",
        `*Approval request:* \`${approval.id}\``,
        `*Approved by:* <@${APPROVER2}>`,
      ],
    });
  });

  it("share and unshare", async () => {
    const [added, ...rest] = await audited(() => command(`share Ledger <@${APPROVER1}|ann>`, OWNER));
    expect(rest).toEqual([]);
    expectEvent(added!, { headline: `:busts_in_silhouette: *Co-owner added* by <@${OWNER}>`, app, lines: [`*Co-owner:* <@${APPROVER1}>`] });
    await audited(() => command(`share Ledger <@${BOB}|bob>`, OWNER));
    // Bob asks for a production key, then loses the app: the request can no longer be carried out.
    await audited(async () => {
      const v = await clickOpen(BOB, "key_generate_open", app.publicId);
      await submit(v, { environment: "production", label: "bob-prod" }, BOB);
    });
    const approval = await approvalOf({ appId: app.id, requesterId: BOB });
    const [removed, ...none] = await audited(() => command(`unshare Ledger <@${BOB}|bob>`, OWNER));
    expect(none).toEqual([]);
    expectEvent(removed!, { headline: `:bust_in_silhouette: *Co-owner removed* by <@${OWNER}>`, app, lines: [`*Co-owner:* <@${BOB}>`] });
    const [cancelled, ...more] = await audited(async () => {
      const review = await clickOpen(APPROVER2, "approval_review", approval.id);
      expect(await submit(review, { decision: "approve" }, APPROVER2)).toContain("no longer an owner");
    });
    expect(more).toEqual([]);
    expectEvent(cancelled!, {
      headline: `:heavy_minus_sign: *Request cancelled: it can no longer be carried out* by <@${APPROVER2}>`,
      app,
      environment: "Production",
      reason: "requester no longer an owner",
      lines: ["*Request:* New production key", `*Requested by:* <@${BOB}>`, "*Label:* bob-prod", `*Approval request:* \`${approval.id}\``],
    });
  });

  it("an approved production 'revoke and replace': revoked at once, the replacement when collected", async () => {
    // An approver who co-owns the app gets a production key without a request.
    const [direct] = await audited(async () => {
      const v = await clickOpen(APPROVER1, "key_generate_open", app.publicId);
      expect(await submit(v, { environment: "production", label: "prod-2" }, APPROVER1)).toMatch(SECRET_RE);
    });
    cred.prod2 = (await activeKey("production")).id;
    expectEvent(direct!, {
      headline: `:key: *API key generated* by <@${APPROVER1}>`,
      app,
      credential: cred.prod2,
      environment: "Production",
      lines: ["*Label:* prod-2"],
    });

    const [requested] = await audited(async () => {
      const v = await clickOpen(OWNER, "cred_revoke", cred.prod2);
      expect
        .soft(await submit(v, { revoke_action: "replace", reason: "routine_rotation" }, OWNER))
        .toContain("A new secret is delivered to you privately");
    });
    const approval = await approvalOf({ credentialId: cred.prod2 });
    expect.soft(requested!.lines).toEqual(["*Action:* Revoke and issue a replacement", `*Approval request:* \`${approval.id}\``]);

    const [approved, revoked, ...rest] = await audited(async () => {
      const review = await clickOpen(APPROVER2, "approval_review", approval.id);
      await submit(review, { decision: "approve", note: "go" }, APPROVER2);
    });
    expect(rest).toEqual([]);
    expectEvent(approved!, {
      headline: `:white_check_mark: *Request approved* by <@${APPROVER2}>`,
      app,
      credential: cred.prod2,
      environment: "Production",
      reason: "go",
      lines: [
        "*Request:* Revocation",
        `*Requested by:* <@${OWNER}>`,
        "*Action:* Revoke and issue a replacement",
        "*Request reason:* Routine rotation",
        `*Approval request:* \`${approval.id}\``,
      ],
    });
    expectEvent(revoked!, {
      headline: `:no_entry: *API key revoked* by <@${OWNER}>`,
      app,
      credential: cred.prod2,
      environment: "Production",
      reason: "Routine rotation",
      lines: [
        "*Action:* Revoke and issue a replacement",
        "*Replacement:* issued when the requester collects it",
        `*Approval request:* \`${approval.id}\``,
        `*Approved by:* <@${APPROVER2}>`,
      ],
    });

    const [collected, ...none] = await audited(() => clickOpen(OWNER, "approval_collect", approval.id));
    expect(none).toEqual([]);
    cred.prod3 = (await activeKey("production")).id;
    expectEvent(collected!, {
      headline: `:key: *API key generated* by <@${OWNER}>`,
      app,
      credential: cred.prod3,
      environment: "Production",
      lines: [
        "*Label:* prod-2",
        `*Replaces:* \`${cred.prod2}\``,
        `*Approval request:* \`${approval.id}\``,
        `*Approved by:* <@${APPROVER2}>`,
      ],
    });
  });

  it("an approver's 'compromised' on production: at once, no approval, no grace period", async () => {
    const [issued, revoked, ...rest] = await audited(async () => {
      const v = await clickOpen(APPROVER1, "cred_revoke", cred.prod3);
      await submit(v, { revoke_action: "replace_grace", grace: "7d", reason: "compromised" }, APPROVER1);
    });
    expect(rest).toEqual([]);
    const replacement = (await activeKey("production")).id;
    expect.soft(issued!.lines).toEqual(["*Label:* prod-2", `*Replaces:* \`${cred.prod3}\``]);
    expectEvent(revoked!, {
      headline: `:no_entry: *API key revoked* by <@${APPROVER1}>`,
      app,
      credential: cred.prod3,
      environment: "Production",
      reason: "Compromised",
      lines: [
        "*Action:* Revoke and issue a replacement",
        `*Replaced by:* \`${replacement}\``,
        "*Approval:* not needed: an approver marked the key compromised",
      ],
    });
  });

  it("snooze: for how long and why", async () => {
    const key = await activeKey("production");
    const [ev, ...rest] = await audited(async () => {
      const n = h.standIn.calls.length;
      await h.slack.blockAction({ userId: OWNER, actionId: "cred_snooze", value: key.id, channelId: `D${OWNER}` });
      await h.standIn.waitFor((c) =>
        c.slice(n).some((x) => x.method === "views.update" && x.args.view?.callback_id === "cred_snooze_modal"),
      );
      const viewId = h.standIn.calls.slice(n).find((x) => x.method === "views.update")!.args.view_id;
      expect(await submit(viewId, { snooze_days: "10", snooze_reason: "release freeze" }, OWNER, true)).toContain("snoozed for 10 days");
    });
    expect(rest).toEqual([]);
    expectEvent(ev!, {
      headline: `:zzz: *Rotation reminder snoozed* by <@${OWNER}>`,
      app,
      credential: key.id,
      environment: "Production",
      reason: "release freeze",
      lines: ["*Snoozed for:* 10 days", /^\*Reminders resume:\* <!date\^\d+\^/],
    });
  });

  it("settings change: each setting, from what to what", async () => {
    const [ev, ...rest] = await audited(async () => {
      const open = await command("settings", ADMIN);
      expect(open.method).toBe("views.open");
      const res = await h.slack.submitView(
        open.response.view.id,
        { settings_rotation: "CROTATE02", settings_days: "30" },
        { userId: ADMIN },
      );
      expect(res.body.response_action).toBe("update");
    });
    expect(rest).toEqual([]);
    expectEvent(ev!, {
      headline: `:gear: *Settings changed* by <@${ADMIN}>`,
      lines: [`*Rotation channel:* <#${ROTATION}> → <#CROTATE02>`, "*Rotation period:* 90 days → 30 days"],
    });
  });

  it("archive: the app with what it took along, then each key it revoked", async () => {
    const live = await h.prisma.credential.findMany({ where: { appId: app.id, status: "ACTIVE" }, orderBy: { createdAt: "asc" } });
    expect(live.length).toBeGreaterThan(0);
    await audited(async () => {
      const v = await clickOpen(OWNER, "key_generate_open", app.publicId);
      await submit(v, { environment: "production" }, OWNER); // a request the archive cancels
    });
    const [archived, ...revoked] = await audited(async () => {
      const open = await command(`archive ${app.publicId}`, OWNER);
      const viewId = open.response.view.id;
      await h.standIn.waitFor((c) => c.some((x) => x.method === "views.update" && x.args.view_id === viewId));
      expect(await submit(viewId, {}, OWNER)).toContain("is archived");
    });
    expectEvent(archived!, {
      headline: `:file_cabinet: *App archived* by <@${OWNER}>`,
      app,
      lines: [`*Keys revoked:* ${live.length}`, "*Requests cancelled:* 1"],
    });
    expect(revoked).toHaveLength(live.length);
    const envLabel = { development: "Development", staging: "Staging", production: "Production" } as const;
    for (const [i, ev] of revoked.entries()) {
      expectEvent(ev, {
        headline: `:no_entry: *API key revoked* by <@${OWNER}>`,
        app,
        credential: live[i]!.id,
        environment: envLabel[live[i]!.environment],
        reason: "App archived",
        lines: [],
      });
    }
    expect(h.standIn.violations).toEqual([]);
  });
});
