import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { App, HTTPReceiver, type CustomRoute } from "@slack/bolt";
import type { PGlite } from "@electric-sql/pglite";
import { mode, type Config } from "./config.js";
import { openDatabase, type Database } from "./platform/db/database.js";
import { loadCatalogFile } from "./features/catalog/parse.js";
import { systemClock, type Clock } from "./shared/clock.js";
import { syncCatalog } from "./features/catalog/service.js";
import { healthRoute } from "./platform/http/health.js";
import { exactRoutes, verifyRoutes } from "./features/verify/http/route.js";
import { boltLogger, createLogger, type Logger } from "./logger.js";
import { createServices, type Services } from "./services.js";
import { startupStep } from "./platform/startup.js";
import { registerListeners } from "./listeners.js";
import type { Worker, WorkerFactory } from "./platform/jobs/worker.js";
import { auditWorker } from "./features/audit/worker.js";
import { lastUsedWorker } from "./features/verify/last-used.worker.js";
import { rotationWorker } from "./features/rotation/worker.js";
import { directoryWorker } from "./features/offboarding/worker.js";
import { reviewWorker } from "./features/reviews/worker.js";
import { auditExportRoute } from "./features/history/http/route.js";
import { HistoryService } from "./features/history/service.js";

/** Every background worker of the app. */
const workerFactories: WorkerFactory[] = [auditWorker, lastUsedWorker, rotationWorker, directoryWorker, reviewWorker];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_CATALOG = path.join(root, "catalog", "endpoints.yaml");

export interface AppKeysOptions {
  logger?: Logger;
  clock?: Clock;
  /** Share one in-process embedded database between several instances (tests). */
  pglite?: PGlite;
  /** Web API retry policy; tests use a short one. */
  slackRetries?: { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number };
  /** Do not start background workers (tests that drive workers by hand). */
  noWorkers?: boolean;
  /** Start only these workers, by name (tests whose clock must not race a scheduler). */
  onlyWorkers?: string[];
  /** Wait for listeners before answering HTTP requests (deterministic tests only: it can blow Slack's 3 s ack). */
  processBeforeResponse?: boolean;
}

export interface AppKeys {
  bolt: App;
  services: Services;
  /** Starts listening (HTTP: on `port`, 0 for any free port). Resolves to the bound port (HTTP) or 0. */
  start(port?: number): Promise<number>;
  stop(): Promise<void>;
}

/** Wires configuration, database, domain services and Slack listeners together. */
export async function createAppKeys(config: Config, opts: AppKeysOptions = {}): Promise<AppKeys> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const clock = opts.clock ?? systemClock;
  const catalogFile = config.ENDPOINTS_FILE ?? DEFAULT_CATALOG;
  // Parse the catalog before touching the database: a broken file stops start-up with its line.
  const catalog = await loadCatalogFile(catalogFile);

  const db: Database = await startupStep(
    "opening the database and applying migrations",
    config.DATABASE_URL
      ? "Check that DATABASE_URL points at a running PostgreSQL server this process may reach and migrate."
      : `Check that DATA_DIR (${config.DATA_DIR ?? "./data"}) is writable and not open in another process.`,
    () => openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, pglite: opts.pglite, log: (m) => logger.info(m) }),
  );
  let services: Services;
  try {
    await startupStep(
      "syncing the endpoint catalog",
      "Check the database is reachable; another replica may hold the catalog lock.",
      async () => {
        const sync = await syncCatalog(db.prisma, catalog, clock);
        logger.info({ file: catalogFile, endpoints: catalog.length, ...sync }, "endpoint catalog synced");
      },
    );
    services = createServices({ config, db, logger, clock });
    await startupStep("loading endpoints and credentials into memory", "Check the database is reachable.", async () => {
      await services.endpoints.load(db.prisma);
      await services.verify.start(db);
    });
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }

  const blog = boltLogger(logger);
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    ...(opts.slackRetries ? { retryConfig: opts.slackRetries } : {}),
  };
  const gatewayRoutes = verifyRoutes(services);
  const customRoutes: CustomRoute[] = [
    ...gatewayRoutes,
    healthRoute(db),
    auditExportRoute({ config, logger, history: new HistoryService(db) }),
  ];

  let bolt: App;
  let receiver: HTTPReceiver | undefined;
  if (mode(config) === "http") {
    receiver = new HTTPReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET!,
      endpoints: "/slack/events",
      customRoutes,
      processBeforeResponse: opts.processBeforeResponse ?? false,
      logger: blog,
    });
    // The gateway API is on every API call's path: answered before Bolt's per-request router.
    receiver.requestListener = exactRoutes(gatewayRoutes, receiver.requestListener);
    bolt = new App({ token: config.SLACK_BOT_TOKEN, receiver, logger: blog, clientOptions, convoStore: false, deferInitialization: true });
  } else {
    bolt = new App({
      token: config.SLACK_BOT_TOKEN,
      appToken: config.SLACK_APP_TOKEN,
      socketMode: true,
      customRoutes,
      port: config.PORT,
      logger: blog,
      clientOptions,
      convoStore: false,
      deferInitialization: true,
    });
  }
  bolt.error(async (err) => {
    logger.error({ err: { message: err.message, code: (err as { code?: string }).code } }, "unhandled error in a Slack listener");
  });
  registerListeners(bolt, services);

  let server: Server | undefined;
  const workers: Worker[] = opts.noWorkers
    ? []
    : workerFactories.map((f) => f(services, bolt.client)).filter((w) => !opts.onlyWorkers || opts.onlyWorkers.includes(w.name));
  return {
    bolt,
    services,
    async start(port = config.PORT) {
      await bolt.init();
      if (receiver) {
        server = (await receiver.start({ port, host: config.HOST ?? "0.0.0.0" })) as Server;
        const bound = (server.address() as AddressInfo).port;
        logger.info({ port: bound, mode: "http" }, "AppKeys is listening at /slack/events");
        for (const w of workers) w.start();
        return bound;
      }
      await bolt.start();
      logger.info({ mode: "socket" }, "AppKeys connected over Socket Mode");
      for (const w of workers) w.start();
      return 0;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop().catch((err) => logger.warn({ err, worker: w.name }, "worker did not stop cleanly"))));
      try {
        await bolt.stop();
      } catch {
        // not started
      }
      await services.verify.stop();
      await db.close();
    },
  };
}
