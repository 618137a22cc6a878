import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { settingsModal } from "./blocks.js";
import type { ModalView } from "../../../platform/slack/blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import type { SubcommandHandler } from "../../apps/slack/apps.command.js";

/** `/apps settings`: admins see and change the audit channel, rotation channel and rotation period. */
export function settingsSubcommand(s: Services, client: webApi.WebClient): SubcommandHandler {
  return async (cmd, { userId, teamId, triggerId, reply }) => {
    if (cmd.kind !== "settings") return false;
    if (!s.actor(userId, teamId).isAdmin) {
      await reply(":no_entry: Only AppKeys admins can see and change settings. Ask one of them (they are listed in `ADMIN_USER_IDS`).");
      return true;
    }
    let view: ModalView;
    try {
      view = settingsModal(await s.settings.describe());
    } catch (err) {
      await reply(errorText(describeError(err, s.logger, "/apps settings")));
      return true;
    }
    try {
      await client.views.open({ trigger_id: triggerId, view });
    } catch (err) {
      s.logger.warn({ slackError: slackCode(err) }, "views.open failed for /apps settings");
      await reply(`:warning: I couldn't open the settings (Slack said \`${slackCode(err)}\`). Please run \`/apps settings\` again.`);
    }
    return true;
  };
}
