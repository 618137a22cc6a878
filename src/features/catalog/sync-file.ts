import type { Logger } from "../../logger.js";
import type { Database } from "../../platform/db/database.js";
import { startupStep } from "../../platform/startup.js";
import type { Clock } from "../../shared/clock.js";
import { catalogDigest } from "./file.js";
import { syncCatalog, syncedCatalogDigest } from "./service.js";

/**
 * Start-up's catalog step. The file the database last synced (same digest) needs neither parsing
 * nor syncing: the usual restart. Otherwise it is parsed (a broken file throws CatalogError with
 * its line, for main.ts to print) and synced. The parser, with the YAML library, is loaded only
 * then.
 */
export async function syncCatalogFile(
  db: Pick<Database, "withConnection">,
  o: { file: string; text: string; clock: Clock; logger: Logger },
): Promise<void> {
  const step = "syncing the endpoint catalog";
  const hint = "Check the database is reachable; another replica may hold the catalog lock.";
  const digest = catalogDigest(o.text, o.file);
  if ((await startupStep(step, hint, () => syncedCatalogDigest(db))) === digest) {
    o.logger.info({ file: o.file }, "endpoint catalog unchanged since the last sync");
    return;
  }
  const { parseCatalog } = await import("./parse.js");
  const catalog = parseCatalog(o.text, o.file);
  const sync = await startupStep(step, hint, () => syncCatalog(db, catalog, digest, o.clock));
  o.logger.info({ file: o.file, endpoints: catalog.length, ...sync }, "endpoint catalog synced");
}
