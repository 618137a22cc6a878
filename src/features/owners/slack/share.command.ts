import type { Services } from "../../../services.js";
import { addedText, removedText, teamAddedText, teamRemovedText } from "./blocks.js";
import type { OwnerFlows } from "./flows.js";
import type { SubcommandHandler } from "../../apps/slack/apps.command.js";

/** `/apps share|unshare <App ID | title> @person` and `… @team` (a Slack user group). */
export function shareSubcommand(s: Services, flows: OwnerFlows): SubcommandHandler {
  return async (cmd, { userId, teamId, reply }) => {
    if (cmd.kind !== "share" && cmd.kind !== "share-team") return false;
    const actor = s.actor(userId, teamId);
    // Errors (unknown app, not allowed, already an owner…) reach the user through the caller.
    const app = await s.apps.resolveApp(actor, cmd.ref);
    if (cmd.kind === "share-team") {
      if (cmd.remove) {
        const { handle } = await flows.teams.unshare(actor, app, cmd.groupId);
        await reply(teamRemovedText(app, handle));
      } else {
        const added = await flows.teams.share(actor, app, cmd.groupId, cmd.handle);
        await reply(teamAddedText(app, added.handle, added.members));
      }
      return true;
    }
    if (cmd.remove) {
      await flows.remove(actor, app, cmd.userId);
      await reply(removedText(app, cmd.userId));
    } else {
      await flows.add(actor, app, cmd.userId);
      await reply(`${addedText(app, cmd.userId)} I've let them know.`);
    }
    return true;
  };
}
