import type { App } from "@slack/bolt";
import type { Services } from "../services.js";
import { registerAppActions } from "./actions/apps.js";
import { registerAppsCommand, type SubcommandHandler } from "./commands/apps.js";
import { registerEndpointOptions } from "./options/endpoints.js";
import { registerCreateAppViews } from "./views/create-app.js";
import { registerKeyActions } from "./actions/keys.js";
import { keysSubcommand } from "./commands/keys.js";
import { registerKeyViews } from "./views/keys.js";
import { registerRequestLogging } from "./middleware.js";
import { archiveSubcommand } from "./commands/archive.js";
import { registerArchiveView } from "./views/archive.js";

/** Every Slack listener, grouped by Slack feature. */
export function registerListeners(app: App, s: Services): void {
  registerRequestLogging(app, s);
  // `/apps <sub-command>` handlers beyond create/list/show; each returns true when it handled one.
  const subcommands: SubcommandHandler[] = [];
  subcommands.push(keysSubcommand(s, app.client));
  subcommands.push(archiveSubcommand(s, app.client));
  registerAppsCommand(app, s, subcommands);
  registerCreateAppViews(app, s);
  registerAppActions(app, s);
  registerEndpointOptions(app, s);
  registerKeyActions(app, s);
  registerKeyViews(app, s);
  registerArchiveView(app, s);
}
