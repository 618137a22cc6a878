import type { CustomRoute } from "@slack/bolt";
import type { Database } from "../db/database.js";

/** What /readyz checks, in the order start-up passes them. */
export const READINESS_CHECKS = ["database", "migrations", "catalog", "slack", "credentials"] as const;
export type ReadinessCheck = (typeof READINESS_CHECKS)[number];

/**
 * Whether this instance should get traffic. Start-up marks each check passed; the database is
 * also asked on every /readyz (a replica whose database went away is taken out of rotation);
 * `draining` (SIGTERM) makes it unready for good.
 */
export class Readiness {
  private readonly passed = new Set<ReadinessCheck>();
  private readonly reasons = new Map<ReadinessCheck, string>();
  private drainingSince: number | undefined;

  constructor(private readonly onChange: (ready: boolean) => void = () => {}) {}

  pass(check: ReadinessCheck): void {
    this.passed.add(check);
    this.reasons.delete(check);
    this.onChange(this.ready);
  }

  /** Not passed (yet), and why: shown by /readyz. */
  fail(check: ReadinessCheck, reason: string): void {
    this.passed.delete(check);
    this.reasons.set(check, reason);
    this.onChange(false);
  }

  drain(): void {
    this.drainingSince ??= Date.now();
    this.onChange(false);
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  get ready(): boolean {
    return !this.draining && READINESS_CHECKS.every((c) => this.passed.has(c));
  }

  /** The first check that has not passed, with its reason; undefined when ready. */
  firstFailure(): { check: ReadinessCheck | "shutdown"; reason: string } | undefined {
    if (this.draining) return { check: "shutdown", reason: "shutting down: finishing requests in flight" };
    for (const c of READINESS_CHECKS) {
      if (!this.passed.has(c)) return { check: c, reason: this.reasons.get(c) ?? `${c}: not checked yet` };
    }
    return undefined;
  }

  checks(): Record<ReadinessCheck, boolean> {
    return Object.fromEntries(READINESS_CHECKS.map((c) => [c, this.passed.has(c)])) as Record<ReadinessCheck, boolean>;
  }
}

const json = (res: Parameters<CustomRoute["handler"]>[1], status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

/** GET /healthz: the process is alive and its event loop answers. Nothing else is asked. */
export function healthRoute(): CustomRoute {
  return { path: "/healthz", method: ["GET"], handler: (_req, res) => json(res, 200, { ok: true }) };
}

/**
 * GET /readyz: 200 when every start-up check passed and the database answers now; 503 with
 * `{ ready: false, failing, reason, checks }` otherwise.
 */
export function readyRoute(readiness: Readiness, db: Database, timeoutMs = 2000): CustomRoute {
  return {
    path: "/readyz",
    method: ["GET"],
    handler: async (_req, res) => {
      let failure = readiness.firstFailure();
      if (!failure) {
        try {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            // Plain SQL, not Prisma: a probe needs no query compiler (the first Prisma query of a
            // process loads it, ~40 ms that would hold up the probe that says "ready").
            db.withConnection((c) => c.query("SELECT 1")),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]).finally(() => clearTimeout(timer));
        } catch (err) {
          failure = {
            check: "database",
            reason: `database: not answering (${String((err as Error).message ?? err)
              .split("\n")
              .at(-1)})`,
          };
        }
      }
      const checks = readiness.checks();
      if (failure) return json(res, 503, { ready: false, failing: failure.check, reason: failure.reason, checks, database: db.kind });
      json(res, 200, { ready: true, checks, database: db.kind });
    },
  };
}
