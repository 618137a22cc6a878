import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import type { Subcommands } from "../../apps/slack/subcommands.js";
import { approvalsSubcommand } from "./approvals.command.js";

/**
 * Approvals: `/apps approvals`. The Review button and the decision modal are registered with the
 * credentials feature, whose lifecycle they drive.
 */
export function registerApprovalsSlack(app: App, s: Services, subcommands: Subcommands): void {
  subcommands.add(approvalsSubcommand(s, app.client));
}
