import type { App } from "@slack/bolt";
import type { Services } from "./services.js";
import { registerActorMiddleware } from "./platform/slack/actor.js";
import { registerRequestLogging } from "./platform/slack/middleware.js";
import { guardSlackEdge, registerErrorReplies } from "./platform/slack/edge.js";
import { Subcommands } from "./features/apps/slack/subcommands.js";
import { registerAppsSlack } from "./features/apps/slack/register.js";
import { registerApprovalsSlack } from "./features/approvals/slack/register.js";
import { registerCatalogSlack } from "./features/catalog/slack/register.js";
import { registerCredentialsSlack } from "./features/credentials/slack/register.js";
import { registerHomeSlack } from "./features/home/slack/register.js";
import { registerOwnersSlack } from "./features/owners/slack/register.js";
import { registerRotationSlack } from "./features/rotation/slack/register.js";
import { registerSettingsSlack } from "./features/settings/slack/register.js";
import { registerDirectorySlack } from "./features/offboarding/slack/register.js";
import { registerHistorySlack } from "./features/history/slack/history.js";
import { registerReviewActions } from "./features/reviews/slack/review.action.js";

/**
 * Every Slack listener: the edge (shape check, catch-all, failure replies) and the global
 * middleware first, then each feature registers its own listeners and `/apps` sub-commands
 * (features/<feature>/slack/register.ts).
 */
export function registerListeners(app: App, s: Services): void {
  guardSlackEdge(app, s);
  registerErrorReplies(app, s);
  registerRequestLogging(app, s);
  registerActorMiddleware(app);
  const subcommands = new Subcommands();
  registerAppsSlack(app, s, subcommands);
  registerCatalogSlack(app, s);
  registerCredentialsSlack(app, s, subcommands);
  registerApprovalsSlack(app, s, subcommands);
  const home = registerHomeSlack(app, s);
  registerOwnersSlack(app, s, subcommands, home);
  registerSettingsSlack(app, s, subcommands);
  registerRotationSlack(app, s);
  registerDirectorySlack(app, s);
  registerHistorySlack(app, s, subcommands);
  registerReviewActions(app, s);
}
