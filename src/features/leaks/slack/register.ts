import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { registerMessageScanning } from "./message.event.js";
import { registerReplaceAction } from "./replace.action.js";
import type { LeakResponder } from "./respond.js";

/** The leak response's Slack listeners. LEAK_SCAN=off stops the scanning; buttons already sent keep working. */
export function registerLeakListeners(app: App, s: Services, responder: LeakResponder): void {
  registerReplaceAction(app, s);
  if (s.config.LEAK_SCAN === "off") {
    s.logger.info("Slack message scanning for leaked keys is off (LEAK_SCAN=off): the history scopes can be dropped");
    return;
  }
  registerMessageScanning(app, s, responder);
}
