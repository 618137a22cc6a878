import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { registerRotationActions } from "./rotation.action.js";
import { registerSnoozeViews } from "./snooze.view.js";

/** Rotation: the reminders' Snooze button and dialog ("Rotate now" opens the credentials' revoke dialog). */
export function registerRotationSlack(app: App, s: Services): void {
  registerRotationActions(app, s);
  registerSnoozeViews(app, s);
}
