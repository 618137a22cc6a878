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
import { approvalsSubcommand } from "./commands/approvals.js";
import { registerArchiveView } from "./views/archive.js";
import { registerHomeEvents } from "./events/home.js";
import { OwnerFlows } from "./owners.js";
import { shareSubcommand } from "./commands/share.js";
import { registerOwnerActions } from "./actions/owners.js";
import { registerOwnerViews } from "./views/owners.js";
import { settingsSubcommand } from "./commands/settings.js";
import { registerRotationActions } from "./actions/rotation.js";
import { registerSnoozeViews } from "./views/snooze.js";
import { registerSettingsViews } from "./views/settings.js";

/** Every Slack listener, grouped by Slack feature. */
export function registerListeners(app: App, s: Services): void {
  registerRequestLogging(app, s);
  // `/apps <sub-command>` handlers beyond create/list/show; each returns true when it handled one.
  const subcommands: SubcommandHandler[] = [];
  subcommands.push(keysSubcommand(s, app.client));
  subcommands.push(archiveSubcommand(s, app.client));
  subcommands.push(approvalsSubcommand(s, app.client));
  const home = registerHomeEvents(app, s);
  const owners = new OwnerFlows(s, app.client, home);
  subcommands.push(shareSubcommand(s, owners));
  subcommands.push(settingsSubcommand(s, app.client));
  registerAppsCommand(app, s, subcommands);
  registerCreateAppViews(app, s);
  registerAppActions(app, s);
  registerEndpointOptions(app, s);
  registerKeyActions(app, s);
  registerKeyViews(app, s);
  registerArchiveView(app, s);
  registerOwnerActions(app, s, owners);
  registerOwnerViews(app, s, owners);
  registerRotationActions(app, s);
  registerSnoozeViews(app, s);
  registerSettingsViews(app, s);
}
