import type { App } from "@slack/bolt";
import type { Services } from "../services.js";
import { registerAppActions } from "./actions/apps.js";
import { registerAppsCommand } from "./commands/apps.js";
import { registerEndpointOptions } from "./options/endpoints.js";
import { registerCreateAppViews } from "./views/create-app.js";

/** Every Slack listener, grouped by Slack feature. */
export function registerListeners(app: App, s: Services): void {
  registerAppsCommand(app, s);
  registerCreateAppViews(app, s);
  registerAppActions(app, s);
  registerEndpointOptions(app, s);
}
