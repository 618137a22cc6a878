import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { registerHomeEvents } from "./home.event.js";
import type { HomePublisher } from "./publish.js";

/** App Home: drawn when opened and after every change to one of the user's apps. Returns the publisher other features redraw with. */
export function registerHomeSlack(app: App, s: Services): HomePublisher {
  return registerHomeEvents(app, s);
}
