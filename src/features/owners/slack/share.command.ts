import type { Services } from "../../../services.js";
import { addedText, removedText } from "./blocks.js";
import type { OwnerFlows } from "./flows.js";
import type { SubcommandHandler } from "../../apps/slack/apps.command.js";

/** `/apps share <App ID | title> @person` and `/apps unshare <App ID | title> @person`. */
export function shareSubcommand(s: Services, flows: OwnerFlows): SubcommandHandler {
  return async (cmd, { userId, teamId, reply }) => {
    if (cmd.kind !== "share") return false;
    const actor = s.actor(userId, teamId);
    // Errors (unknown app, not allowed, already an owner…) reach the user through the caller.
    const app = await s.apps.resolveApp(actor, cmd.ref);
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
