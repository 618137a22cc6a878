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
    const { items, total } = await s.approvals.pending(teamId, SHOWN);
    const shown = items.map((it) => ({ ...it, approval: it.approval as unknown as ApprovalView }));
    await reply(`${total} request(s) waiting for approval.`, pendingApprovalsBlocks(shown, total));
    return true;
  };
}
