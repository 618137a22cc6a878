import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import type { Subcommands } from "../../apps/slack/subcommands.js";
import { registerKeyActions } from "./keys.action.js";
import { keysSubcommand } from "./keys.command.js";
import { registerKeyViews } from "./keys.view.js";

/** Credentials: `/apps keys …`, the Generate Key and Revoking the Key dialogs, approvers' review and the requester's "Get my key". */
export function registerCredentialsSlack(app: App, s: Services, subcommands: Subcommands): void {
  subcommands.add(keysSubcommand(s, app.client));
  registerKeyActions(app, s);
  registerKeyViews(app, s);
}
