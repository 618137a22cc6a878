import type { webApi } from "@slack/bolt";
import { canManage } from "../../apps/access.js";
import type { LifecycleActor, RevokeAction } from "../service.js";
import type { Services } from "../../../services.js";
import { generateKeyModal, revokeModal } from "./blocks.js";
import { resultModal } from "../../../platform/slack/modals.js";
import type { ModalView } from "../../../platform/slack/blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";

export async function lifecycleActor(s: Services, client: webApi.WebClient, userId: string, teamId: string): Promise<LifecycleActor> {
  return { ...s.actor(userId, teamId), isApprover: await s.approvers.isApprover(client, userId) };
}

/** Opens a modal with the trigger at once; on failure tells the user in their DM. */
export async function openOrExplain(
  s: Services,
  client: webApi.WebClient,
  triggerId: string,
  userId: string,
  build: () => Promise<ModalView>,
) {
  // The trigger expires 3 s after the click: open a placeholder first, fill it after the database answers.
  let viewId: string | undefined;
  try {
    const opened = await client.views.open({ trigger_id: triggerId, view: resultModal("AppKeys", ":hourglass_flowing_sand: Loading…") });
    viewId = opened.view?.id;
  } catch (err) {
    await client.chat
      .postMessage({ channel: userId, text: `:warning: I couldn't open the dialog (Slack said \`${slackCode(err)}\`). Please try again.` })
      .catch(() => {});
    return;
  }
  try {
    const view = await build();
    await client.views.update({ view_id: viewId!, view });
  } catch (err) {
    await client.views
      .update({ view_id: viewId!, view: resultModal("AppKeys", errorText(describeError(err, s.logger, "opening a dialog"))) })
      .catch(() => {});
  }
}

export async function buildGenerateModal(
  s: Services,
  client: webApi.WebClient,
  userId: string,
  teamId: string,
  appRef: string,
): Promise<ModalView> {
  const actor = await lifecycleActor(s, client, userId, teamId);
  const target = await s.apps.resolveApp(actor, appRef);
  return generateKeyModal(target, actor.isApprover);
}

export async function buildRevokeModal(
  s: Services,
  client: webApi.WebClient,
  userId: string,
  teamId: string,
  credentialId: string,
  preselect: RevokeAction,
): Promise<ModalView> {
  const actor = await lifecycleActor(s, client, userId, teamId);
  const { credential, app } = await s.credentials.loadForRevoke(actor, credentialId);
  if (credential.status === "REVOKED") {
    return resultModal(
      "Revoking the Key",
      `:information_source: Key \`${credential.id}\` is already revoked. A revoked key stays revoked.`,
    );
  }
  const canReplace = canManage(actor, app);
  return revokeModal(app, credential, {
    preselect: credential.revokeAt || !canReplace ? "now" : preselect,
    isApprover: actor.isApprover,
    now: s.clock(),
    canReplace,
  });
}
