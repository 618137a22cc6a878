import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { appDetailsBlocks, appDetailsModal, appListBlocks } from "./blocks.js";
import { newAppModal } from "./create.blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { ACT } from "../../../platform/slack/ids.js";
import { replyToAction } from "../../../platform/slack/reply.js";
import { actorOf } from "../../../platform/slack/actor.js";
import { mrkdwnEscape } from "../../../shared/text.js";

export function registerAppActions(app: App, s: Services): void {
  // "View details" on a card. Authorization is checked here again, not only when the card was drawn.
  app.action<BlockAction<ButtonAction>>(ACT.details, async ({ ack, body, action, respond, client, context }) => {
    await ack();
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    try {
      const details = await s.apps.details(actor, action.value ?? "");
      const opts = { now: s.clock(), canManage: true };
      if (body.response_url && !body.view) {
        await respond({
          response_type: "ephemeral",
          replace_original: false,
          text: `App ${mrkdwnEscape(details.app.title)}`,
          blocks: appDetailsBlocks(details, opts),
        });
      } else {
        await client.views.open({ trigger_id: body.trigger_id, view: appDetailsModal(details, opts) });
      }
    } catch (err) {
      await replyToAction(s, body, respond, client, errorText(describeError(err, s.logger, "showing app details")));
    }
  });

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACT.listPage}`), async ({ ack, action, respond, context }) => {
    await ack();
    // Paging buttons live in a message; from anywhere else (no response_url) there is nothing to page.
    if (!respond) return;
    const page = Number.parseInt(action.value ?? "0", 10);
    try {
      const who = actorOf(context);
      const apps = await s.apps.listApps(s.actor(who.userId, who.teamId));
      await respond({ replace_original: true, text: "Your apps", blocks: appListBlocks(apps, Number.isFinite(page) ? page : 0) });
    } catch (err) {
      await respond({ response_type: "ephemeral", replace_original: false, text: errorText(describeError(err, s.logger, "listing apps")) });
    }
  });

  app.action<BlockAction<ButtonAction>>(ACT.newApp, async ({ ack, body, respond, client }) => {
    await ack();
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: newAppModal() });
    } catch (err) {
      await replyToAction(
        s,
        body,
        respond,
        client,
        `:warning: I couldn't open the New App form (Slack said \`${slackCode(err)}\`). Please try again.`,
      );
    }
  });
}
