import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { appDetailsBlocks, appListBlocks, usageText } from "./blocks.js";
import { newAppModal } from "./create.blocks.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import { parseAppsCommand, type AppsCommand } from "./parse.js";
import { actorOf } from "../../../platform/slack/actor.js";

/** Sub-commands added by later features (keys, share, settings) register here. */
export type SubcommandHandler = (
  cmd: AppsCommand,
  args: { userId: string; teamId: string; triggerId: string; reply: (text: string, blocks?: unknown[]) => Promise<void> },
) => Promise<boolean>;

export function registerAppsCommand(app: App, s: Services, extra: SubcommandHandler[] = []): void {
  app.command("/apps", async ({ command, ack, respond, client, context }) => {
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
    const actor = s.actor(userId, teamId);
    try {
      switch (cmd.kind) {
        case "create":
          try {
            await client.views.open({ trigger_id: command.trigger_id, view: newAppModal() });
          } catch (err) {
            s.logger.warn({ slackError: slackCode(err) }, "views.open failed for /apps create");
            await reply(
              `:warning: I couldn't open the New App form (Slack said \`${slackCode(err)}\`). Please run \`/apps create\` again.`,
            );
          }
          return;
        case "list": {
          const apps = await s.apps.listApps(actor);
          await reply(apps.length ? `You have ${apps.length} app(s).` : "You have no apps yet.", appListBlocks(apps));
          return;
        }
        case "show": {
          const details = await s.apps.details(actor, cmd.ref);
          await reply(`App ${details.app.title} (${details.app.publicId})`, appDetailsBlocks(details, { now: s.clock(), canManage: true }));
          return;
        }
        default:
          for (const handler of extra) {
            if (await handler(cmd, { userId, teamId, triggerId: command.trigger_id, reply })) return;
          }
          await reply(usageText());
      }
    } catch (err) {
      await reply(errorText(describeError(err, s.logger, `/apps ${cmd.kind}`))).catch(() => {});
    }
  });
}
