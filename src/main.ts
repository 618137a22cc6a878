import { setFlagsFromString } from "node:v8";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { CatalogError } from "./features/catalog/error.js";
import { createLogger } from "./logger.js";
import { StartupError, causeText } from "./platform/startup.js";
import { RemotePGlite } from "./platform/db/pglite-remote.js";
import { installProcessHandlers } from "./platform/process.js";
import { exitOnSignals } from "./platform/shutdown.js";

/** Entry point: `npm start`. Configuration problems end the process with one clear message. */
async function main(): Promise<void> {
  // WebAssembly (PGlite's PostgreSQL, Prisma's query compiler) is compiled by V8's baseline
  // compiler only, before any is loaded: PGlite opens in about half the time and the process
  // keeps ~50 MB less (optimised wasm code); queries are CPU-light here. See docs/operations.md.
  setFlagsFromString("--liftoff-only");
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // The embedded database starts first, on a thread of its own: opening it overlaps with loading
  // the rest of the app (Bolt, Prisma, the features), which comes next, on demand.
  const pgliteStarting = config.DATABASE_URL ? undefined : RemotePGlite.create(config.DATA_DIR);
  // Awaited (and any failure reported) by the database start-up step.
  pgliteStarting?.catch(() => {});
  let stopping = () => false;
  try {
    const { createAppKeys } = await import("./app.js");
    const appkeys = await createAppKeys(config, { logger, pgliteStarting });
    stopping = exitOnSignals((graceMs) => appkeys.stop({ graceMs }), logger);
    // A lost rejection or exception is logged and the bot keeps serving (src/platform/process.ts).
    installProcessHandlers(logger, { stop: () => appkeys.stop() });
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
    process.exit(1);
  }
}

void main();
