import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { registerAppActions } from "./apps.action.js";
import { appsSubcommand, registerAppsCommand } from "./apps.command.js";
import { archiveSubcommand } from "./archive.command.js";
import { registerArchiveView } from "./archive.view.js";
import { registerCreateAppViews } from "./create.view.js";
import type { Subcommands } from "./subcommands.js";

/** Apps: the `/apps` command itself (create, list, show, archive), the app cards' buttons, the New App and Archive modals. */
export function registerAppsSlack(app: App, s: Services, subcommands: Subcommands): void {
  subcommands.add(appsSubcommand(s, app.client), archiveSubcommand(s, app.client));
  registerAppsCommand(app, s, subcommands);
  registerAppActions(app, s);
  registerCreateAppViews(app, s);
  registerArchiveView(app, s);
}
