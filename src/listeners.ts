import type { App } from "@slack/bolt";
import type { Services } from "./services.js";
import { registerAppActions } from "./features/apps/slack/apps.action.js";
import { registerAppsCommand, type SubcommandHandler } from "./features/apps/slack/apps.command.js";
import { registerEndpointOptions } from "./features/catalog/slack/endpoints.options.js";
import { registerCreateAppViews } from "./features/apps/slack/create.view.js";
import { registerKeyActions } from "./features/credentials/slack/keys.action.js";
import { keysSubcommand } from "./features/credentials/slack/keys.command.js";
import { registerKeyViews } from "./features/credentials/slack/keys.view.js";
import { registerRequestLogging } from "./platform/slack/middleware.js";
import { registerActorMiddleware } from "./platform/slack/actor.js";
import { archiveSubcommand } from "./features/apps/slack/archive.command.js";
import { approvalsSubcommand } from "./features/approvals/slack/approvals.command.js";
import { registerArchiveView } from "./features/apps/slack/archive.view.js";
import { registerHomeEvents } from "./features/home/slack/home.event.js";
import { OwnerFlows } from "./features/owners/slack/flows.js";
import { shareSubcommand } from "./features/owners/slack/share.command.js";
import { registerOwnerActions } from "./features/owners/slack/owners.action.js";
import { registerOwnerViews } from "./features/owners/slack/owners.view.js";
import { settingsSubcommand } from "./features/settings/slack/settings.command.js";
import { registerRotationActions } from "./features/rotation/slack/rotation.action.js";
import { registerSnoozeViews } from "./features/rotation/slack/snooze.view.js";
import { registerSettingsViews } from "./features/settings/slack/settings.view.js";

/** Every Slack listener, grouped by Slack feature. */
export function registerListeners(app: App, s: Services): void {
  registerRequestLogging(app, s);
  registerActorMiddleware(app);
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
