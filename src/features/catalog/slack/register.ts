import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { registerEndpointOptions } from "./endpoints.options.js";

/** Catalog: the endpoint picker's type-ahead. */
export function registerCatalogSlack(app: App, s: Services): void {
  registerEndpointOptions(app, s);
}
