import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { approvalRequestBlocks, type ApprovalView } from "./blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { mrkdwnEscape } from "../../../shared/text.js";

/** Sends a pending request to every approver but the requester, each as a DM with a Review button. */
export async function notifyApprovers(s: Services, client: webApi.WebClient, approvalId: string): Promise<number> {
  const request = await s.approvals.request(approvalId);
  if (!request) return 0;
  const { approval, app, credential } = request;
  const approvers = (await s.approvers.list(client)).filter((id) => id !== approval.requesterId);
  if (approvers.length === 0) {
    s.logger.warn({ approvalId }, "no approver configured besides the requester: set APPROVER_USER_IDS or APPROVER_GROUP_ID");
    await client.chat
      .postMessage({
        channel: approval.requesterId,
        text: ":warning: Your request needs an approver, but none is configured besides you. Ask your AppKeys admin to set APPROVER_USER_IDS or APPROVER_GROUP_ID.",
      })
      .catch(() => {});
    return 0;
  }
  const view = approval as unknown as ApprovalView;
  let sent = 0;
  for (const approver of approvers) {
    try {
      await client.chat.postMessage({
        channel: approver,
        text: `Approval needed: ${approval.kind === "GENERATE" ? "a production key" : "a production key revocation"} for ${mrkdwnEscape(app.title)}`,
        blocks: approvalRequestBlocks(view, app, credential),
      });
      sent++;
    } catch (err) {
      s.logger.warn({ approvalId, approver, slackError: slackCode(err) }, "could not send the approval request");
    }
  }
  return sent;
}

export async function tellUser(client: webApi.WebClient, userId: string, text: string): Promise<void> {
  await client.chat.postMessage({ channel: userId, text }).catch(() => {});
}
