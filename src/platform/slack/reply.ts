import type { App, BlockAction, RespondFn } from "@slack/bolt";
import type { Services } from "../../services.js";
import { resultModal } from "./modals.js";
import { slackCode } from "./slack-error.js";

/**
 * Tells the user something where their click came from: the message (ephemeral, through the
 * response_url), a modal (a small view pushed on top), or else their DM with the bot.
 */
export async function replyToAction(
  s: Services,
  body: BlockAction,
  respond: RespondFn,
  client: App["client"],
  text: string,
  modalTitle = "AppKeys",
): Promise<void> {
  try {
    if (body.response_url) {
      await respond({ response_type: "ephemeral", replace_original: false, text });
      return;
    }
    if (body.view) {
      await client.views.push({ trigger_id: body.trigger_id, view: resultModal(modalTitle, text) });
      return;
    }
    const im = await client.conversations.open({ users: body.user.id });
    if (im.channel?.id) await client.chat.postEphemeral({ channel: im.channel.id, user: body.user.id, text });
  } catch (err) {
    s.logger.warn({ slackError: slackCode(err) }, "could not tell the user");
  }
}
