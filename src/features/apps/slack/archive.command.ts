import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { archiveModal } from "./archive.blocks.js";
import { openOrExplain } from "../../credentials/slack/dialogs.js";
import type { SubcommandHandler } from "./apps.command.js";

/** `/apps archive <app>`: a confirmation modal; the archive itself happens on submit. */
export function archiveSubcommand(s: Services, client: webApi.WebClient): SubcommandHandler {
  return async (cmd, { userId, teamId, triggerId }) => {
    if (cmd.kind !== "archive") return false;
    await openOrExplain(s, client, triggerId, userId, async () => {
      const { app, activeKeys, pendingRequests } = await s.apps.archivePreview(s.actor(userId, teamId), cmd.ref);
      return archiveModal(app, activeKeys, pendingRequests);
    });
    return true;
  };
}
