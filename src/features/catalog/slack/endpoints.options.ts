import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { endpointOptions } from "./blocks.js";
import { ACT } from "../../../platform/slack/ids.js";

/** Type-ahead for the endpoint picker: the catalog may be far past Slack's 100-option limit. */
export function registerEndpointOptions(app: App, s: Services): void {
  app.options(ACT.endpoints, async ({ ack, options }) => {
    const query = typeof options.value === "string" ? options.value.slice(0, 200) : "";
    await ack(endpointOptions(s.endpoints.search(query, 100)) as never);
  });
}
