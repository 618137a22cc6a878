import { existsSync } from "node:fs";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import type { PGlite } from "@electric-sql/pglite";
import type { AppKeys } from "./app.js";
import type { Config } from "./config.js";
import { RemotePGlite } from "./platform/db/pglite-remote.js";

// WebAssembly (PGlite's PostgreSQL, Prisma's query compiler) is compiled by V8's baseline
// compiler only, before any is loaded: PGlite opens in about half the time and the process
// keeps ~50 MB less (optimised wasm code); queries are CPU-light here. See docs/operations.md.
setFlagsFromString("--liftoff-only");

/**
 * An existing embedded database starts before anything else loads, on its own thread (opening
 * it is the longest step of a start), judged from the raw environment; main() checks that the
 * validated configuration agrees. A new data directory waits for a valid configuration: initdb
 * takes seconds, and exiting on a configuration error must not leave it half made.
 */
function startExistingDatabase(env: NodeJS.ProcessEnv): { dir: string; db: Promise<PGlite> } | undefined {
  const blank = (v: string | undefined) => v === undefined || v.trim() === "";
  if (!blank(env.DATABASE_URL)) return undefined;
  const dir = blank(env.DATA_DIR) ? "./data" : env.DATA_DIR!;
  if (dir.includes("://") || !existsSync(path.join(path.resolve(dir), "PG_VERSION"))) return undefined;
  const db = RemotePGlite.create(dir);
  // Awaited (and any failure reported) by the database start-up step.
  db.catch(() => {});
  return { dir, db };
}

const early = startExistingDatabase(process.env);
const closeEarly = () =>
  early?.db.then(
    (db) => db.close(),
    () => undefined,
  );

/** Entry point: `npm start`. Configuration problems end the process with one clear message. */
async function main(): Promise<void> {
  const [
    { ConfigError, loadConfig },
    { CatalogError },
    { createLogger },
    { StartupError, causeText },
    { installProcessHandlers },
    { exitOnSignals },
  ] = await Promise.all([
    import("./config.js"),
    import("./features/catalog/error.js"),
    import("./logger.js"),
    import("./platform/startup.js"),
    import("./platform/process.js"),
    import("./platform/shutdown.js"),
  ]);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      await closeEarly();
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // The embedded database runs on a thread of its own: opening it overlaps with loading the rest
  // of the app (Bolt, Prisma, the features), which comes next, on demand.
  let pgliteStarting = !config.DATABASE_URL && early?.dir === config.DATA_DIR ? early.db : undefined;
  if (early && !pgliteStarting) await closeEarly();
  if (!config.DATABASE_URL && !pgliteStarting) {
    pgliteStarting = RemotePGlite.create(config.DATA_DIR);
    pgliteStarting.catch(() => {});
  }
  let stopping = () => false;
  let appkeys: AppKeys | undefined;
  try {
    const { createAppKeys } = await import("./app.js");
    appkeys = await createAppKeys(config, { logger, pgliteStarting });
    const started = appkeys;
    stopping = exitOnSignals((graceMs) => started.stop({ graceMs }), logger);
    // A lost rejection or exception is logged and the bot keeps serving (src/platform/process.ts).
    installProcessHandlers(logger, { stop: () => started.stop() });
    // Probes and /metrics answer from here on; ready() waits for Slack (retrying while unreachable).
    await appkeys.listen();
    await appkeys.ready();
  } catch (err) {
    // Stopped by a signal before Slack answered: the shutdown handler exits.
    if (stopping()) return;
    if (err instanceof CatalogError) {
      process.stderr.write(`AppKeys cannot start: the endpoint catalog is invalid.\n  ${err.message}\n`);
      process.exit(2);
    }
    // One line an operator can act on; a stack trace here would say nothing they can fix.
    const line = err instanceof StartupError ? err.message : `starting failed (${causeText(err)}).`;
    logger.error({ step: err instanceof StartupError ? err.step : undefined }, `AppKeys could not start: ${line}`);
    // The database is open when Slack refused the token: close it, so that an embedded one is
    // shut down cleanly rather than recovered at the next start. Bounded, by a timer that keeps
    // the process alive: the exit must come, and with code 1.
    if (appkeys) await Promise.race([appkeys.stop({ graceMs: 0 }).catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
    process.exit(1);
  }
}

void main();
