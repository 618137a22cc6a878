import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import type { Subcommands } from "../../apps/slack/subcommands.js";
import type { HomePublisher } from "../../home/slack/publish.js";
import { OwnerFlows } from "./flows.js";
import { registerOwnerActions } from "./owners.action.js";
import { registerOwnerViews } from "./owners.view.js";
import { shareSubcommand } from "./share.command.js";

/** Owners: `/apps share|unshare`, the Manage owners modal and its Remove buttons. */
export function registerOwnersSlack(app: App, s: Services, subcommands: Subcommands, home: HomePublisher): void {
  const flows = new OwnerFlows(s, app.client, home);
  subcommands.add(shareSubcommand(s, flows));
  registerOwnerActions(app, s, flows);
  registerOwnerViews(app, s, flows);
}
