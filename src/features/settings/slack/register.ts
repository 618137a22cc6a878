import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import type { Subcommands } from "../../apps/slack/subcommands.js";
import { settingsSubcommand } from "./settings.command.js";
import { registerSettingsViews } from "./settings.view.js";

/** Settings: `/apps settings` (admins) and its modal. */
export function registerSettingsSlack(app: App, s: Services, subcommands: Subcommands): void {
  subcommands.add(settingsSubcommand(s, app.client));
  registerSettingsViews(app, s);
}
