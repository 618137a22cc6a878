import type { App, BlockAction, ButtonAction, Context, webApi } from "@slack/bolt";
import type { RevokeAction } from "../service.js";
import type { Services } from "../../../services.js";
import { revokedText } from "./blocks.js";
import { approvalReviewModal, type ApprovalView } from "../../approvals/slack/blocks.js";
import { resultModal } from "../../../platform/slack/modals.js";
import { revealNewKey } from "./deliver.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { buildGenerateModal, buildRevokeModal, lifecycleActor, openOrExplain } from "./dialogs.js";
import { ACT } from "../../../platform/slack/ids.js";
import { actorOf } from "../../../platform/slack/actor.js";

export function registerKeyActions(app: App, s: Services): void {
  app.action<BlockAction<ButtonAction>>(ACT.generateOpen, async ({ ack, body, action, client, context }) => {
    await ack();
    const { userId, teamId } = actorOf(context);
    await openOrExplain(s, client, body.trigger_id, userId, () => buildGenerateModal(s, client, userId, teamId, action.value ?? ""));
  });

  const openRevoke =
    (preselect: RevokeAction) =>
    async ({
      ack,
      body,
      action,
      client,
      context,
    }: {
      ack: () => Promise<void>;
      body: BlockAction;
      action: ButtonAction;
      client: webApi.WebClient;
      context: Context;
    }) => {
      await ack();
      const { userId, teamId } = actorOf(context);
      await openOrExplain(s, client, body.trigger_id, userId, () =>
        buildRevokeModal(s, client, userId, teamId, action.value ?? "", preselect),
      );
    };
  app.action<BlockAction<ButtonAction>>(ACT.revoke, openRevoke("now"));
  // "Rotate now" from a rotation reminder: replacement now, old key revoked after a grace period.
  app.action<BlockAction<ButtonAction>>(ACT.rotate, openRevoke("replace_grace"));

  // "Get my key" after an approval: issued now, shown in the modal this click opens, and by DM.
  app.action<BlockAction<ButtonAction>>(ACT.collect, async ({ ack, body, action, client, context }) => {
    await ack();
    const { userId, teamId } = actorOf(context);
    let viewId: string | undefined;
    try {
      viewId = (
        await client.views.open({
          trigger_id: body.trigger_id,
          view: resultModal("Your API keys", ":hourglass_flowing_sand: Generating your key…"),
        })
      ).view?.id;
    } catch {
      // No modal: the DM alone delivers it.
    }
    try {
      const actor = await lifecycleActor(s, client, userId, teamId);
      const out = await s.credentials.collect(actor, action.value ?? "");
      s.bus.emit("app.changed", out.app.id);
      const note = out.replaces
        ? revokedText({ credentialId: out.replaces, app: out.app, revokeAt: out.revokeAt, replacementId: out.issued.credential.id })
        : undefined;
      const delivery = await revealNewKey(s, client, { userId, teamId, viewId, app: out.app, issued: out.issued, note });
      if (!delivery.modal && !delivery.dm) await s.credentials.releaseCollected(action.value ?? "", out.issued.credential.id);
    } catch (err) {
      const text = errorText(describeError(err, s.logger, "collecting a key"));
      if (viewId) await client.views.update({ view_id: viewId, view: resultModal("Your API keys", text) }).catch(() => {});
      else await client.chat.postMessage({ channel: userId, text }).catch(() => {});
    }
  });

  app.action<BlockAction<ButtonAction>>(ACT.review, async ({ ack, body, action, client, context }) => {
    await ack();
    const { userId, teamId } = actorOf(context);
    await openOrExplain(s, client, body.trigger_id, userId, async () => {
      const actor = await lifecycleActor(s, client, userId, teamId);
      if (!actor.isApprover) return resultModal("Review", ":no_entry: Only approvers can review requests.");
      const { approval, credential } = await s.credentials.getApproval(actor, action.value ?? "");
      if (approval.status !== "PENDING") {
        return resultModal(
          "Review",
          `:information_source: This request was already ${approval.status.toLowerCase()}${approval.decidedBy ? ` by <@${approval.decidedBy}>` : ""}. Nothing to do.`,
        );
      }
      if (approval.requesterId === actor.userId)
        return resultModal("Review", ":no_entry: You can't approve your own request: another approver has to.");
      return approvalReviewModal(
        approval as unknown as ApprovalView,
        approval.app,
        approval.app.endpoints.map((l) => l.endpoint),
        credential,
      );
    });
  });
}
