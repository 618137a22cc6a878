import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/harness.js";
import { createAppViaSlack } from "../support/flows.js";

const OWNER = "UOWNER77";
const CO_OWNER = "UCOOWN77";
const APPROVER = "UAPPRV77";
const STRANGER = "USTRNG77";
const ADMIN = "UADMIN77";
const ROLES = { owner: OWNER, coOwner: CO_OWNER, approver: APPROVER, stranger: STRANGER, admin: ADMIN } as const;
type Role = keyof typeof ROLES;

/**
 * Who may do what, checked where the work happens (the modal the button opens, the command's
 * answer), not only by which buttons someone was shown.
 */
const MATRIX: Record<string, Record<Role, boolean>> = {
  details: { owner: true, coOwner: true, approver: false, stranger: false, admin: true },
  generate: { owner: true, coOwner: true, approver: false, stranger: false, admin: true },
  revoke: { owner: true, coOwner: true, approver: true, stranger: false, admin: true },
  review: { owner: false, coOwner: false, approver: true, stranger: false, admin: false },
  archive: { owner: true, coOwner: true, approver: false, stranger: false, admin: true },
};

describe("authorization matrix", () => {
  let h: Harness;
  let publicId: string;
  let credentialId: string;
  let approvalId: string;

  beforeAll(async () => {
    h = await startHarness({ env: { ADMIN_USER_IDS: ADMIN, APPROVER_USER_IDS: APPROVER } });
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Matrix" });
    publicId = r.app!.publicId;
    await h.prisma.appOwner.create({ data: { appId: r.app!.id, userId: CO_OWNER, addedBy: OWNER } });
    credentialId = (await h.prisma.credential.findFirstOrThrow({ where: { appId: r.app!.id } })).id;
    approvalId = (
      await h.prisma.approval.create({
        data: { kind: "GENERATE", appId: r.app!.id, requesterId: CO_OWNER, payload: { environment: "production", label: "" } },
      })
    ).id;
  });
  afterAll(async () => h?.close());

  async function modalAfter(_userId: string, send: () => Promise<unknown>): Promise<string> {
    const n = h.standIn.callsTo("views.open").length;
    await send();
    await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
    const id = h.standIn.callsTo("views.open").at(-1)!.response.view.id;
    await h.standIn.waitFor((c) => c.some((x) => x.method === "views.update" && x.args.view_id === id));
    return JSON.stringify(h.standIn.currentView(id));
  }

  async function attempt(action: string, userId: string): Promise<boolean> {
    switch (action) {
      case "details": {
        const n = h.standIn.calls.length;
        await h.slack.command(`show ${publicId}`, { userId });
        await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
        return JSON.stringify(h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args).includes("API Credentials");
      }
      case "generate":
        return (
          await modalAfter(userId, () => h.slack.blockAction({ userId, actionId: "key_generate_open", value: publicId, channelId: "C1" }))
        ).includes("Where will this key be used?");
      case "revoke":
        return (
          await modalAfter(userId, () => h.slack.blockAction({ userId, actionId: "cred_revoke", value: credentialId, channelId: "C1" }))
        ).includes("cannot be retrieved");
      case "review":
        return (
          await modalAfter(userId, () => h.slack.blockAction({ userId, actionId: "approval_review", value: approvalId, channelId: "C1" }))
        ).includes("Submit decision");
      case "archive":
        return (await modalAfter(userId, () => h.slack.command(`archive ${publicId}`, { userId }))).includes("will be revoked");
      default:
        throw new Error(action);
    }
  }

  for (const [action, row] of Object.entries(MATRIX)) {
    for (const [role, allowed] of Object.entries(row) as [Role, boolean][]) {
      it(`${action} by ${role}: ${allowed ? "allowed" : "refused"}`, async () => {
        expect(await attempt(action, ROLES[role])).toBe(allowed);
      });
    }
  }

  it("stayed within Slack's limits and changed nothing", async () => {
    expect(h.standIn.violations).toEqual([]);
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: credentialId } })).status).toBe("ACTIVE");
  });
});
