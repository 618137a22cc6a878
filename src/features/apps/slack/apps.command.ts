import type { App, webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { appDetailsBlocks, appListBlocks, usageText } from "./blocks.js";
import { newAppModal } from "./create.blocks.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import { parseAppsCommand } from "./parse.js";
import type { SubcommandHandler, Subcommands } from "./subcommands.js";
import { actorOf } from "../../../platform/slack/actor.js";

export type { SubcommandHandler } from "./subcommands.js";

/** `/apps`: help and usage in the ack; every other sub-command goes to the features' handlers after it. */
export function registerAppsCommand(app: App, s: Services, subcommands: Subcommands): void {
  app.command("/apps", async ({ command, ack, respond, context }) => {
    const cmd = parseAppsCommand(command.text);
    if (cmd.kind === "help" || cmd.kind === "usage") {
      const problem = cmd.kind === "usage" && cmd.problem ? `:thinking_face: ${mrkdwnEscape(cmd.problem)}\n\n` : "";
      await ack({ response_type: "ephemeral", text: `${problem}${usageText()}` });
      return;
    }
    // Ack first: everything below may touch the database or Slack.
    await ack();
    const reply = async (text: string, blocks?: unknown[]) => {
      await respond({ response_type: "ephemeral", replace_original: false, text, ...(blocks ? { blocks: blocks as never } : {}) });
    };
    const { userId, teamId } = actorOf(context);
    try {
      if (!(await subcommands.dispatch(cmd, { userId, teamId, triggerId: command.trigger_id, reply }))) await reply(usageText());
    } catch (err) {
      await reply(errorText(describeError(err, s.logger, `/apps ${cmd.kind}`))).catch(() => {});
    }
  });
}

/** `/apps create`, `/apps list` and `/apps show <app>`. */
export function appsSubcommand(s: Services, client: webApi.WebClient): SubcommandHandler {
  return async (cmd, { userId, teamId, triggerId, reply }) => {
    switch (cmd.kind) {
      case "create":
        try {
          await client.views.open({ trigger_id: triggerId, view: newAppModal() });
        } catch (err) {
          s.logger.warn({ slackError: slackCode(err) }, "views.open failed for /apps create");
          await reply(`:warning: I couldn't open the New App form (Slack said \`${slackCode(err)}\`). Please run \`/apps create\` again.`);
        }
        return true;
      case "list": {
        const apps = await s.apps.listApps(s.actor(userId, teamId));
        await reply(apps.length ? `You have ${apps.length} app(s).` : "You have no apps yet.", appListBlocks(apps));
        return true;
      }
      case "show": {
        const details = await s.apps.details(s.actor(userId, teamId), cmd.ref);
        await reply(
          `App ${mrkdwnEscape(details.app.title)} (${details.app.publicId})`,
          appDetailsBlocks(details, { now: s.clock(), canManage: true }),
        );
        return true;
      }
      default:
        return false;
    }
  };
}
