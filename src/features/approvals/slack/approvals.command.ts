import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { pendingApprovalsBlocks, type ApprovalView } from "./blocks.js";
import type { SubcommandHandler } from "../../apps/slack/apps.command.js";

const SHOWN = 40;

/** `/apps approvals`: approvers see every pending request of the workspace, oldest first. */
export function approvalsSubcommand(s: Services, client: webApi.WebClient): SubcommandHandler {
  return async (cmd, { userId, teamId, reply }) => {
    if (cmd.kind !== "approvals") return false;
    if (!(await s.approvers.isApprover(client, userId))) {
      await reply(":no_entry: Only approvers can see pending requests.");
      return true;
    }
    const where = { status: "PENDING" as const, app: { teamId, archivedAt: null } };
    const [rows, total] = await Promise.all([
      s.db.prisma.approval.findMany({ where, include: { app: true }, orderBy: { createdAt: "asc" }, take: SHOWN }),
      s.db.prisma.approval.count({ where }),
    ]);
    const credIds = rows.map((r) => r.credentialId).filter((x): x is string => !!x);
    const creds = new Map((await s.db.prisma.credential.findMany({ where: { id: { in: credIds } } })).map((c) => [c.id, c]));
    const items = rows.map((r) => ({
      approval: r as unknown as ApprovalView,
      app: r.app,
      credential: r.credentialId ? creds.get(r.credentialId) : null,
    }));
    await reply(`${total} request(s) waiting for approval.`, pendingApprovalsBlocks(items, total));
    return true;
  };
}
