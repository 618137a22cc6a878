import type { App, BlockAction, ButtonAction, webApi } from "@slack/bolt";
import { z } from "zod";
import type { Services } from "../../../services.js";
import type { SubcommandHandler, Subcommands } from "../../apps/slack/subcommands.js";
import { DomainError } from "../../../shared/errors.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { ACT } from "../../../platform/slack/ids.js";
import { actorOf } from "../../../platform/slack/actor.js";
import { HistoryService } from "../service.js";
import { historyBlocks } from "./blocks.js";

const olderValue = z
  .string()
  .max(100)
  .regex(/^app_[0-9A-Za-z]{12} \d{1,19}$/);

/** `/apps audit <app>` and its "Older" button: owners, approvers and admins read the app's history. */
export function registerHistorySlack(app: App, s: Services, subcommands: Subcommands): void {
  const history = new HistoryService(s.db);
  const actor = async (client: webApi.WebClient, userId: string, teamId: string) => ({
    ...s.actor(userId, teamId),
    isApprover: await s.approvers.isApprover(client, userId),
  });

  const command: SubcommandHandler = async (cmd, { userId, teamId, reply }) => {
    if (cmd.kind !== "audit") return false;
    const target = await history.appFor(await actor(app.client, userId, teamId), cmd.ref);
    const page = await history.page(target.id);
    await reply(`History of ${mrkdwnEscape(target.title)} (${target.publicId})`, historyBlocks(target, page, true));
    return true;
  };
  subcommands.add(command);

  app.action<BlockAction<ButtonAction>>(ACT.auditPage, async ({ ack, action, respond, client, context, body }) => {
    await ack();
    // Paging buttons live in a message; from anywhere else (no response_url) there is nothing to page.
    if (!body.response_url) return;
    const who = actorOf(context);
    try {
      const parsed = olderValue.safeParse(action.value ?? "");
      if (!parsed.success) throw new DomainError("owners.stale_button", {});
      const [publicId, before] = parsed.data.split(" ") as [string, string];
      // Checked again on every page: the button may be old, the clicker may no longer be allowed.
      const target = await history.appFor(await actor(client, who.userId, who.teamId), publicId);
      const page = await history.page(target.id, BigInt(before));
      await respond({
        response_type: "ephemeral",
        replace_original: true,
        text: `History of ${mrkdwnEscape(target.title)} (${target.publicId})`,
        blocks: historyBlocks(target, page, false) as never,
      });
    } catch (err) {
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: errorText(describeError(err, s.logger, "paging an app's history")),
      });
    }
  });
}
