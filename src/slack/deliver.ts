import type { webApi } from "@slack/bolt";
type WebClient = webApi.WebClient;
import type { Logger } from "../logger.js";
import { keyRevealBlocks, keyRevealText, keysModal, type KeyReveal } from "./blocks/create-app.js";

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

export function slackCode(err: unknown): string {
  const e = err as { data?: { error?: string }; code?: string; message?: string };
  return e?.data?.error ?? e?.code ?? "unknown";
}
