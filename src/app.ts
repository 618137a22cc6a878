import type { Server } from "node:http";
import path from "node:path";
import { App, HTTPReceiver, type CustomRoute } from "@slack/bolt";
import type { PGlite } from "@electric-sql/pglite";
import { mode, type Config } from "./config.js";
import { openDatabase, type Database } from "./platform/db/database.js";
import { readCatalogFile } from "./features/catalog/file.js";
import { systemClock, type Clock } from "./shared/clock.js";
import { syncCatalogFile } from "./features/catalog/sync-file.js";
import { Readiness, healthRoute, readyRoute } from "./platform/http/health.js";
import { InFlight, gate, instrumentSlackEvents } from "./platform/http/inflight.js";
import { boundPort, closeServer, exactRoutes, listen, routeTable } from "./platform/http/server.js";
import { verifyRoutes } from "./features/verify/http/route.js";
import { VERIFY_PATH } from "./features/verify/http/openapi.js";
import type { VerifyInput, VerifyOutcome } from "./features/verify/service.js";
import { outboxBacklog } from "./features/audit/backlog.js";
import { createMetrics, type Metrics } from "./platform/metrics/registry.js";
import { metricsRoute, timedRoute } from "./platform/metrics/route.js";
import { type SlackIdentity, waitForSlackAuth } from "./platform/slack/auth-check.js";
import { createLogger, type Logger } from "./logger.js";
import { boltLogger } from "./platform/slack/bolt-logger.js";
import { createServices, type Services } from "./services.js";
import { startupStep } from "./platform/startup.js";
import { PROJECT_ROOT } from "./platform/paths.js";
import { registerListeners } from "./listeners.js";
import { edgeReceiverOptions, guardSlackBodies } from "./platform/slack/receiver.js";
import type { Worker, WorkerFactory } from "./platform/jobs/worker.js";
import { auditWorker } from "./features/audit/worker.js";
import { lastUsedWorker } from "./features/verify/last-used.worker.js";
import { rotationWorker } from "./features/rotation/worker.js";
import { LeakService } from "./features/leaks/service.js";
import { LeakResponder } from "./features/leaks/slack/respond.js";
import { registerLeakListeners } from "./features/leaks/slack/register.js";
import { GitHubKeyRing } from "./features/leaks/http/github-keys.js";
import { leakRoutes } from "./features/leaks/http/route.js";
import { directoryWorker } from "./features/offboarding/worker.js";
import { reviewWorker } from "./features/reviews/worker.js";
import { auditExportRoute } from "./features/history/http/route.js";
import { HistoryService } from "./features/history/service.js";

/** Every background worker of the app. */
const workerFactories: WorkerFactory[] = [auditWorker, lastUsedWorker, rotationWorker, directoryWorker, reviewWorker];

export const DEFAULT_CATALOG = path.join(PROJECT_ROOT, "catalog", "endpoints.yaml");
const SLACK_API = "https://slack.com/api/";

export interface AppKeysOptions {
  logger?: Logger;
  clock?: Clock;
  /** Share one in-process embedded database between several instances (tests). */
  pglite?: PGlite;
  /** The embedded database, already starting (main.ts starts it first): owned like one opened from DATA_DIR. */
  pgliteStarting?: Promise<PGlite>;
  /** Web API retry policy; tests use a short one. */
  slackRetries?: { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number };
  /** Delays between auth.test attempts while Slack is unreachable at start (default 1 s doubling to 30 s). */
  slackAuthRetry?: { minDelayMs?: number; maxDelayMs?: number };
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
  readiness: Readiness;
  /**
   * Serves HTTP on `port` (0: any free port): probes, /metrics and the gateway API at once, Slack
   * requests once ready; checks the token with Slack in the background. Resolves to the bound port.
   */
  listen(port?: number): Promise<number>;
  /** Resolves once ready (Slack auth.test passed, Socket Mode connected, workers started); rejects on a token Slack refuses. */
  ready(): Promise<void>;
  /** listen() then ready(). */
  start(port?: number): Promise<number>;
  /**
   * Graceful stop: unready, no new requests, waits up to `graceMs` (default 4 s) for requests and
   * Slack listeners in flight and for the worker post in progress, then closes everything.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

/** Wires configuration, database, domain services and Slack listeners together. */
export async function createAppKeys(config: Config, opts: AppKeysOptions = {}): Promise<AppKeys> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const clock = opts.clock ?? systemClock;
  const catalogFile = config.ENDPOINTS_FILE ?? DEFAULT_CATALOG;
  // A missing or unreadable catalog stops start-up before the database is touched.
  const catalogText = await readCatalogFile(catalogFile);

  // Slack's auth.test runs (and retries while Slack is unreachable) alongside the database work:
  // in production each is a network round trip or more. ready() waits for it. Its warnings wait
  // for the local steps: when the database is what fails, that is the one line an operator sees.
  let slackWarnings: Array<() => void> | undefined = [];
  let db: Database | undefined;
  const metrics = createMetrics({ auditOutbox: () => outboxBacklog(db!.prisma) });
  const stopping = new AbortController();
  const slackAuth = waitForSlackAuth({
    token: config.SLACK_BOT_TOKEN,
    apiUrl: config.SLACK_API_URL ?? SLACK_API,
    record: metrics.slackApiCall,
    signal: stopping.signal,
    warn: (fields, msg) => (slackWarnings ? slackWarnings.push(() => logger.warn(fields, msg)) : logger.warn(fields, msg)),
    ...opts.slackAuthRetry,
  });
  // Observed by ready(); never an unhandled rejection meanwhile.
  slackAuth.catch(() => {});

  let services: Services;
  let started: Services | undefined;
  let indexLoaded: Promise<void>;
  const readiness = new Readiness((ready) => metrics.setReady(ready));
  try {
    db = await startupStep(
      "opening the database and applying migrations",
      config.DATABASE_URL
        ? "Check that DATABASE_URL points at a running PostgreSQL server this process may reach and migrate."
        : `Check that DATA_DIR (${config.DATA_DIR ?? "./data"}) is writable and not open in another process.`,
      () =>
        openDatabase({
          url: config.DATABASE_URL,
          dataDir: config.DATA_DIR,
          pglite: opts.pglite,
          pgliteStarting: opts.pgliteStarting,
          log: (m) => logger.info(m),
        }),
    );
    readiness.pass("database");
    readiness.pass("migrations");
    readiness.fail("slack", "slack: auth.test has not passed yet");
    readiness.fail("credentials", "credentials: the verification index is loading");
    services = started = createServices({ config, db, logger, clock, metrics });
    services.bus.on("slack.rate_limited", () => metrics.slackRateLimited());
    const loadStep = <T>(fn: () => Promise<T>) =>
      startupStep("loading endpoints and credentials into memory", "Check the database is reachable.", fn);
    // The credential index is loaded while the catalog syncs (it holds endpoint ids as the apps
    // connected them, which the catalog sync does not touch: the catalog is applied per request)
    // and while the HTTP server and Bolt are set up. ready() waits for it, at most the index's
    // start wait (a large table keeps loading); /readyz says 503 until it is loaded, and so do
    // verifications ("starting").
    indexLoaded = loadStep(() => services.verify.start(db!));
    indexLoaded.catch(() => {});
    void services.verify.whenReady().then(() => readiness.pass("credentials"));
    await syncCatalogFile(db, { file: catalogFile, text: catalogText, clock, logger });
    readiness.pass("catalog");
    await loadStep(() => services.endpoints.load(db!));
  } catch (err) {
    stopping.abort();
    // The index may be loading still (a catalog error): its loop stops before the database closes.
    await started?.verify.stop().catch(() => {});
    await db?.close().catch(() => {});
    throw err;
  }
  const database: Database = db;
  for (const warn of slackWarnings.splice(0)) warn();
  slackWarnings = undefined;

  const blog = boltLogger(logger);
  const slackFetch = metrics.slackFetch;
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    ...(opts.slackRetries ? { retryConfig: opts.slackRetries } : {}),
    fetch: slackFetch,
  };
  const gatewayRoutes = meteredVerifyRoutes(services, metrics);
  // Bolt is built once Slack's auth.test answered (ready()), with the bot's ids from it: Bolt then
  // has no auth.test of its own to make, a round trip less on every start. Until then the gate
  // keeps Slack's requests away from the receiver.
  let bolt: App | undefined;
  const boltApp = (): App => {
    if (!bolt) throw new Error("Bolt is built once Slack's auth.test passed: await ready() first");
    return bolt;
  };
  // Leak reports answer over HTTP and notify through Slack: the client exists once Bolt does.
  const leaks = new LeakResponder(services, new LeakService(database, clock, config.KEY_PEPPER), () => boltApp().client);
  const githubKeys = new GitHubKeyRing({
    url: config.GITHUB_SECRET_SCANNING_KEYS_URL,
    onError: (what, err) => logger.warn({ err: { message: (err as Error).message } }, `leak reports: failed ${what}`),
  });
  const routes: CustomRoute[] = [
    ...gatewayRoutes,
    ...leakRoutes({ config, logger, keys: githubKeys, handler: leaks }),
    healthRoute(),
    readyRoute(readiness, database),
    metricsRoute(metrics, config.METRICS_TOKEN),
    auditExportRoute({ config, logger, history: new HistoryService(database) }),
  ];
  const inflight = new InFlight();
  let accepting = true;
  const gateOptions = { inflight, accepting: () => accepting, slackReady: () => readiness.checks().slack };

  let receiver: HTTPReceiver | undefined;
  if (mode(config) === "http") {
    receiver = new HTTPReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET!,
      endpoints: "/slack/events",
      customRoutes: routes,
      processBeforeResponse: opts.processBeforeResponse ?? false,
      logger: blog,
      ...edgeReceiverOptions(logger),
    });
    // The gateway API and probes are answered before Bolt's per-request router; the gate refuses
    // new work once shutting down and Slack requests until auth.test passed. Slack's requests are
    // read and screened before Bolt sees them (a body Bolt cannot parse would crash it).
    const slackListener = guardSlackBodies(receiver.requestListener, { signingSecret: config.SLACK_SIGNING_SECRET!, logger });
    receiver.requestListener = gate(exactRoutes(routes, slackListener), { ...gateOptions, slackPaths: ["/slack/events"] });
  }
  // Socket Mode: probes, /metrics and the gateway API on a plain HTTP server of our own (listen()).

  let workers: Worker[] = [];
  const buildBolt = (id: SlackIdentity): App => {
    const common = {
      token: config.SLACK_BOT_TOKEN,
      botId: id.botId || undefined,
      botUserId: id.botUserId || undefined,
      tokenVerificationEnabled: false,
      logger: blog,
      clientOptions,
      convoStore: false as const,
    };
    const b = receiver ? new App({ ...common, receiver }) : new App({ ...common, appToken: config.SLACK_APP_TOKEN, socketMode: true });
    b.error(async (err) => {
      logger.error({ err: { message: err.message, code: (err as { code?: string }).code } }, "unhandled error in a Slack listener");
    });
    instrumentSlackEvents(b, { inflight, accepting: () => accepting, onAck: (kind, sec) => metrics.slackAck(kind, sec) });
    registerListeners(b, services);
    registerLeakListeners(b, services, leaks);
    workers = opts.noWorkers
      ? []
      : workerFactories.map((f) => f(services, b.client)).filter((w) => !opts.onlyWorkers || opts.onlyWorkers.includes(w.name));
    return b;
  };

  let server: Server | undefined;
  let listeningPort = 0;
  let ready: Promise<void> | undefined;
  const becomeReady = async () => {
    const identity = await slackAuth;
    if (stopping.signal.aborted) return;
    const b = buildBolt(identity);
    bolt = b;
    if (!receiver) {
      await startupStep("connecting to Slack over Socket Mode", "Check SLACK_APP_TOKEN (xapp-…, scope connections:write).", () =>
        b.start(),
      );
      logger.info({ mode: "socket" }, "AppKeys connected over Socket Mode");
    }
    if (stopping.signal.aborted) return;
    readiness.pass("slack");
    if (receiver) logger.info({ port: listeningPort, mode: "http" }, "AppKeys is listening at /slack/events");
    await indexLoaded;
    if (stopping.signal.aborted) return;
    for (const w of workers) w.start();
    const mode = receiver ? "http" : "socket";
    if (services.verify.ready) logger.info({ port: listeningPort, mode }, "AppKeys is ready");
    else
      logger.warn(
        { port: listeningPort, mode },
        "AppKeys serves Slack; the verification index is still loading: /readyz and key verifications answer 503 until it is",
      );
  };

  const app: AppKeys = {
    get bolt() {
      return boltApp();
    },
    services,
    readiness,
    async listen(port = config.PORT) {
      const host = config.HOST ?? "0.0.0.0";
      server = receiver
        ? ((await receiver.start({ port, host })) as Server)
        : await listen(gate(routeTable(routes), { ...gateOptions, slackPaths: [] }), port, host);
      const bound = boundPort(server);
      // "listening" is said once Slack requests are accepted (ready); until then only the probes.
      logger.info({ port: bound }, "HTTP server up: /healthz, /readyz and /metrics answer; Slack requests once ready");
      listeningPort = bound;
      ready = becomeReady();
      // Observed by ready(); never an unhandled rejection meanwhile.
      ready.catch(() => {});
      return bound;
    },
    ready() {
      return ready ?? Promise.reject(new Error("listen() first"));
    },
    async start(port) {
      const bound = await app.listen(port);
      await app.ready();
      return bound;
    },
    async stop({ graceMs = 4000 } = {}) {
      const deadline = Date.now() + graceMs;
      stopping.abort();
      readiness.drain();
      accepting = false;
      const closed = server ? closeServer(server) : Promise.resolve();
      if (!(await inflight.idle(graceMs))) {
        logger.warn({ inFlight: inflight.size }, "shutdown: requests still in flight after the grace period; closing anyway");
      }
      const left = Math.max(0, deadline - Date.now());
      const workersStopped = Promise.all(
        workers.map((w) => w.stop().catch((err) => logger.warn({ err, worker: w.name }, "worker did not stop cleanly"))),
      );
      await Promise.race([workersStopped, new Promise((r) => setTimeout(r, left).unref())]);
      if (!receiver) await bolt?.stop().catch(() => {});
      server?.closeAllConnections();
      await closed;
      await services.verify.stop();
      await database.close();
    },
  };
  return app;
}

/** The gateway routes, counted: verdicts by code, responses by status, latency (see docs/operations.md). */
function meteredVerifyRoutes(s: Services, metrics: Metrics): CustomRoute[] {
  const count = (o: VerifyOutcome) => metrics.verifyVerdict(o.kind === "answer" ? (o.answer.valid ? "valid" : o.answer.code) : o.kind);
  const verify = {
    countRefusal: (reason: Parameters<Services["verify"]["countRefusal"]>[0]) => s.verify.countRefusal(reason),
    // The gateway's two arguments, not a rest parameter: this runs on every verification.
    verifyNow: (input: VerifyInput, caller: string) => {
      const out = s.verify.verifyNow(input, caller);
      if (out instanceof Promise)
        return out.then((o) => {
          count(o);
          return o;
        });
      count(out);
      return out;
    },
  };
  return verifyRoutes({ config: s.config, logger: s.logger, verify }).map((r) =>
    r.path === VERIFY_PATH ? timedRoute(r, (status, seconds) => metrics.verifyResponse(status, seconds)) : r,
  );
}
