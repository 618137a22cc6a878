import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { issueReplacement, loadLeaked } from "../../credentials/compromised.js";
import { requestSentModal } from "../../approvals/slack/blocks.js";
import { resultModal } from "../../../platform/slack/modals.js";
import { revealNewKey } from "../../credentials/slack/deliver.js";
import { lifecycleActor } from "../../credentials/slack/dialogs.js";
import { notifyApprovers } from "../../approvals/slack/notify.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { LEAK_ACT } from "./blocks.js";
import { actorOf } from "../../../platform/slack/actor.js";

const TITLE = "Replacement key";

/**
 * "Issue replacement" in an owner's leak DM: a new key with the leaked one's environment and
 * label, its secret delivered privately like any new key (modal + ephemeral DM). Production keys
 * asked for by a non-approver become a request for an approver, as everywhere else.
 */
export function registerReplaceAction(app: App, s: Services): void {
  app.action<BlockAction<ButtonAction>>(LEAK_ACT.replace, async ({ ack, body, action, client, context }) => {
    await ack();
    const { userId, teamId } = actorOf(context);
    let viewId: string | undefined;
    try {
      viewId = (
        await client.views.open({ trigger_id: body.trigger_id, view: resultModal(TITLE, ":hourglass_flowing_sand: Issuing a new key…") })
      ).view?.id;
    } catch {
      // No modal: the DM alone delivers the secret.
    }
    try {
      const actor = await lifecycleActor(s, client, userId, teamId);
      const leaked = await loadLeaked(s.db, actor, action.value ?? "");
      const { credential, app: target } = leaked;
      if (credential.environment === "production" && !actor.isApprover) {
        const outcome = await s.credentials.generate(actor, target, { environment: credential.environment, label: credential.label });
        s.bus.emit("app.changed", target.id);
        if (outcome.kind === "requested") {
          if (viewId)
            await client.views.update({ view_id: viewId, view: requestSentModal(target, "replacement production key") }).catch(() => {});
          await notifyApprovers(s, client, outcome.approval.id);
          return;
        }
        await revealNewKey(s, client, { userId, teamId, viewId, app: target, issued: outcome.issued });
        return;
      }
      const issued = await issueReplacement(s.db, s.clock, s.config.KEY_PEPPER, actor, leaked);
      s.bus.emit("app.changed", target.id);
      await revealNewKey(s, client, {
        userId,
        teamId,
        viewId,
        app: target,
        issued,
        note: `This key replaces \`${credential.id}\`, which was revoked because its secret was exposed.`,
      });
    } catch (err) {
      const text = errorText(describeError(err, s.logger, "issuing a replacement key"));
      if (viewId) await client.views.update({ view_id: viewId, view: resultModal(TITLE, text) }).catch(() => {});
      else await client.chat.postMessage({ channel: userId, text }).catch(() => {});
    }
  });
}
