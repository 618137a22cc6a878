import type { webApi } from "@slack/bolt";
import type { Logger } from "../../../logger.js";
import type { IssuedCredential } from "../service.js";
import type { Services } from "../../../services.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { keyRevealBlocks, keyRevealText, keysModal, type KeyReveal } from "./reveal.blocks.js";

type WebClient = webApi.WebClient;

export interface Delivery {
  modal: boolean;
  dm: boolean;
}

/**
 * Delivers a new secret privately, the only two ways it ever leaves memory: into the user's open
 * modal (when there is one) and as an ephemeral message in their DM with the bot. Slack errors
 * are logged by code only; the payload is never logged.
 */
export async function deliverSecret(
  client: WebClient,
  logger: Logger,
  p: { userId: string; viewId?: string; reveal: KeyReveal },
): Promise<Delivery> {
  const result: Delivery = { modal: false, dm: false };
  if (p.viewId) {
    try {
      await client.views.update({ view_id: p.viewId, view: keysModal(p.reveal) });
      result.modal = true;
    } catch (err) {
      logger.warn({ slackError: slackCode(err), credentialId: p.reveal.credentialId }, "could not show the new key in the modal");
    }
  }
  try {
    const im = await client.conversations.open({ users: p.userId });
    const channel = im.channel?.id;
    if (!channel) throw new Error("conversations.open returned no channel");
    await client.chat.postEphemeral({
      channel,
      user: p.userId,
      text: keyRevealText(p.reveal),
      blocks: keyRevealBlocks(p.reveal),
    });
    result.dm = true;
  } catch (err) {
    logger.warn({ slackError: slackCode(err), credentialId: p.reveal.credentialId }, "could not DM the new key");
  }
  return result;
}

/**
 * Reveals a newly issued key to its owner (modal if open, and DM), and revokes it at once when
 * neither delivery worked: a usable key nobody holds is only a liability.
 */
export async function revealNewKey(
  s: Services,
  client: WebClient,
  p: {
    userId: string;
    teamId: string;
    viewId?: string;
    app: { publicId: string; title: string };
    issued: IssuedCredential;
    /** Extra lines shown above the keys (e.g. "the old key is revoked on …"). */
    note?: string;
  },
): Promise<Delivery> {
  const { credential, secretKey } = p.issued;
  const delivery = await deliverSecret(client, s.logger, {
    userId: p.userId,
    viewId: p.viewId,
    reveal: {
      appTitle: p.app.title,
      appPublicId: p.app.publicId,
      credentialId: credential.id,
      environment: credential.environment,
      label: credential.label,
      sharedKey: credential.sharedKey,
      secretKey,
      note: p.note,
    },
  });
  if (!delivery.modal && !delivery.dm) {
    await s.credentials.revokeUndelivered(credential, { userId: p.userId, teamId: p.teamId });
    s.logger.warn({ credentialId: credential.id }, "secret could not be delivered; credential revoked");
    await client.chat
      .postMessage({
        channel: p.userId,
        text: `:warning: I could not deliver the new secret key \`${credential.id}\` of *${mrkdwnEscape(p.app.title)}* (\`${p.app.publicId}\`) to you, so I revoked it. Generate a new one with \`/apps keys generate ${p.app.publicId}\`.`,
      })
      .catch(() => {});
  }
  return delivery;
}
