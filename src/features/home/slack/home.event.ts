import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { HomePublisher } from "./publish.js";
import { actorOf } from "../../../platform/slack/actor.js";

/**
 * The App Home tab: drawn when the user opens it, redrawn for every owner after a change to one
 * of their apps ("app.changed" on the services bus; only the replica that made the change
 * hears it). Slack's retried events just publish the same view again.
 */
export function registerHomeEvents(app: App, s: Services): HomePublisher {
  const home = new HomePublisher(s, app.client);
  app.event("app_home_opened", async ({ event, context }) => {
    // The edge refuses an app_home_opened without a user; never publish to an empty one.
    if (event.tab !== "home" || !event.user) return;
    await home.refresh(event.user, actorOf(context).teamId);
  });
  s.bus.on("app.changed", (appId) => {
    home.refreshApp(appId).catch((err: unknown) => s.logger.warn({ err, appId }, "could not refresh App Home tabs after a change"));
  });
  s.bus.on("owner.removed", (userId, teamId) => {
    void home.refresh(userId, teamId);
  });
  return home;
}
