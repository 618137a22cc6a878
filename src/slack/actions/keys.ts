import type { App, BlockAction, ButtonAction, webApi } from "@slack/bolt";
import type { RevokeAction } from "../../domain/credentials.js";
import type { Services } from "../../services.js";
import { approvalReviewModal, resultModal, type ApprovalView } from "../blocks/keys.js";
import { errorText } from "../errors.js";
import { buildGenerateModal, buildRevokeModal, lifecycleActor, openOrExplain } from "../dialogs.js";
import { ACT } from "../ids.js";

export function teamOf(body: BlockAction): string {
  return body.team?.id ?? body.user.team_id ?? "";
}

export function registerKeyActions(app: App, s: Services): void {
  app.action<BlockAction<ButtonAction>>(ACT.generateOpen, async ({ ack, body, action, client }) => {
    await ack();
    await openOrExplain(s, client, body.trigger_id, body.user.id, () => buildGenerateModal(s, client, body.user.id, teamOf(body), action.value ?? ""));
  });

  const openRevoke = (preselect: RevokeAction) =>
    async ({ ack, body, action, client }: { ack: () => Promise<void>; body: BlockAction; action: ButtonAction; client: webApi.WebClient }) => {
      await ack();
      await openOrExplain(s, client, body.trigger_id, body.user.id, () => buildRevokeModal(s, client, body.user.id, teamOf(body), action.value ?? "", preselect));
    };
  app.action<BlockAction<ButtonAction>>(ACT.revoke, openRevoke("now"));
  // "Rotate now" from a rotation reminder: replacement now, old key revoked after a grace period.
  app.action<BlockAction<ButtonAction>>(ACT.rotate, openRevoke("replace_grace"));

  app.action<BlockAction<ButtonAction>>(ACT.review, async ({ ack, body, action, client }) => {
    await ack();
    await openOrExplain(s, client, body.trigger_id, body.user.id, async () => {
      const actor = await lifecycleActor(s, client, body.user.id, teamOf(body));
      if (!actor.isApprover) return resultModal("Review", ":no_entry: Only approvers can review requests.");
      const { approval, credential } = await s.credentials.getApproval(actor, action.value ?? "");
      if (approval.status !== "PENDING") {
        return resultModal("Review", `:information_source: This request was already ${approval.status.toLowerCase()}${approval.decidedBy ? ` by <@${approval.decidedBy}>` : ""}. Nothing to do.`);
      }
      if (approval.requesterId === actor.userId) return resultModal("Review", ":no_entry: You can't approve your own request: another approver has to.");
      return approvalReviewModal(
        approval as unknown as ApprovalView,
        approval.app,
        approval.app.endpoints.map((l) => l.endpoint),
        credential,
      );
    });
  });
}

export function keysUsage(): string {
  return errorText({ text: "Use `/apps keys generate <App ID | title>` or `/apps keys revoke <credential ID>`." });
}
