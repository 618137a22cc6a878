import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { buildGenerateModal, buildRevokeModal, openOrExplain } from "./dialogs.js";
import type { SubcommandHandler } from "../../apps/slack/apps.command.js";

/** `/apps keys generate <app>` and `/apps keys revoke <credential ID>` open the same dialogs as the buttons. */
export function keysSubcommand(s: Services, client: webApi.WebClient): SubcommandHandler {
  return async (cmd, { userId, teamId, triggerId }) => {
    if (cmd.kind === "keys-generate") {
      await openOrExplain(s, client, triggerId, userId, () => buildGenerateModal(s, client, userId, teamId, cmd.ref));
      return true;
    }
    if (cmd.kind === "keys-revoke") {
      await openOrExplain(s, client, triggerId, userId, () => buildRevokeModal(s, client, userId, teamId, cmd.credentialId, "now"));
      return true;
    }
    return false;
  };
}
