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
      const app = await s.apps.resolveApp(s.actor(userId, teamId), cmd.ref);
      const [activeKeys, pending] = await Promise.all([
        s.db.prisma.credential.count({ where: { appId: app.id, status: "ACTIVE" } }),
        s.db.prisma.approval.count({ where: { appId: app.id, status: "PENDING" } }),
      ]);
      return archiveModal(app, activeKeys, pending);
    });
    return true;
  };
}
