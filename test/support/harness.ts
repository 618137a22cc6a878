import { Writable } from "node:stream";
import type { PGlite } from "@electric-sql/pglite";
import { createAppKeys, type AppKeys, type AppKeysOptions } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { Clock } from "../../src/shared/clock.js";
import { createLogger } from "../../src/logger.js";
import { SlackClient } from "./slack-client.js";
import { SlackStandIn } from "./slack-standin.js";
import { createTestDatabase } from "./test-db.js";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const TEAM = "T0001";

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

export interface Harness {
  app: AppKeys;
  standIn: SlackStandIn;
  slack: SlackClient;
  db: TestDatabase;
  prisma: AppKeys["services"]["db"]["prisma"];
  url: string;
  logs: string[];
  close(): Promise<void>;
}

/** A settable clock for tests that walk time without sleeping. */
export function testClock(start = new Date("2026-01-05T09:00:00Z")) {
  let now = start.getTime();
  const clock: Clock & { set(d: Date): void; advance(ms: number): void } = Object.assign(() => new Date(now), {
    set: (d: Date) => {
      now = d.getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  });
  return clock;
}

/**
 * Starts the real app: HTTP receiver on a free port, its Web API client pointed at a local Slack
 * stand-in, on a fresh test database (PGlite, or PostgreSQL when TEST_DATABASE_URL is set).
 */
export async function startHarness(
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    db?: TestDatabase;
    standIn?: SlackStandIn;
    logLevel?: string;
    appOptions?: Partial<AppKeysOptions>;
  } = {},
): Promise<Harness> {
  const standIn = opts.standIn ?? (await SlackStandIn.start({ teamId: TEAM }));
  const db = opts.db ?? (await createTestDatabase());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const config = loadConfig({
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: standIn.url,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    LOG_LEVEL: opts.logLevel ?? "info",
    ...opts.env,
  });
  const app = await createAppKeys(config, {
    logger: createLogger(config.LOG_LEVEL, sink),
    clock: opts.clock,
    pglite: db.pglite as PGlite | undefined,
    slackRetries: { retries: 0 },
    // The rotation scheduler fires on real minute boundaries against the test's clock; tests
    // that want it drive it by hand or ask for it by name.
    onlyWorkers: ["audit", "last-used"],
    ...opts.appOptions,
  });
  const port = await app.start(0);
  const url = `http://127.0.0.1:${port}`;
  const slack = new SlackClient({ appUrl: url, signingSecret: SIGNING_SECRET, standIn, teamId: TEAM });
  return {
    app,
    standIn,
    slack,
    db,
    prisma: app.services.db.prisma,
    url,
    logs,
    async close() {
      await app.stop();
      if (!opts.standIn) await standIn.close();
      if (!opts.db) await db.drop();
    },
  };
}
