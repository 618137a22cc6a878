import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type CronExpression, CronExpressionParser } from "cron-parser";
import type { PrismaClient } from "../../generated/prisma/client.js";

/**
 * Scheduled work shared by several replicas. Every replica fires every schedule; a run happens
 * where `claimSlot` wins. Claims are rows of `job_run` (job, slot), never process memory, so a
 * replica that starts, crashes or fires late cannot make a run happen twice or not at all.
 *
 * Hand-written on purpose: a job queue (pg-boss, graphile-worker) would bring its own schema,
 * workers and polling for what is here a few rows and four statements
 * (docs/decisions/0002-claims-table-scheduler.md). Cron arithmetic is cron-parser's.
 */

/** A claim not refreshed for this long is presumed dead (its replica crashed) and may be taken over. */
export const SLOT_LEASE_MS = 10 * 60_000;

/** This process, for claim rows and logs: host, pid and a random tag (pids repeat across containers). */
export const REPLICA_ID = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString("hex")}`;

/** One claimer per run: two runs in one replica never share claims. */
export function newClaimer(replicaId = REPLICA_ID): string {
  return `${replicaId}/${randomBytes(4).toString("hex")}`;
}

/** A cron fire time truncated to the minute, as ISO text: the same on every replica, and it sorts. */
export function slotOf(d: Date): string {
  return new Date(Math.floor(d.getTime() / 60_000) * 60_000).toISOString();
}

/**
 * Claims (job, slot) for `claimer`. True for exactly one caller: the first, or whoever takes over
 * a claim that was never finished and not refreshed for `leaseMs` (its replica died mid-run).
 */
export async function claimSlot(
  db: PrismaClient,
  job: string,
  slot: string,
  claimer: string,
  now: Date,
  leaseMs = SLOT_LEASE_MS,
): Promise<boolean> {
  const staleBefore = new Date(now.getTime() - leaseMs);
  const n = await db.$executeRaw`
    INSERT INTO job_run (job, slot, "claimedBy", "claimedAt") VALUES (${job}, ${slot}, ${claimer}, ${now}::timestamp)
    ON CONFLICT (job, slot) DO UPDATE SET "claimedBy" = EXCLUDED."claimedBy", "claimedAt" = EXCLUDED."claimedAt", error = NULL
    WHERE job_run."finishedAt" IS NULL AND job_run."claimedAt" < ${staleBefore}::timestamp`;
  return n === 1;
}

/** Marks the slot done. False when the claim was lost (taken over after the lease ran out). */
export async function finishSlot(db: PrismaClient, job: string, slot: string, claimer: string, now: Date): Promise<boolean> {
  const res = await db.jobRun.updateMany({
    where: { job, slot, claimedBy: claimer, finishedAt: null },
    data: { finishedAt: now, error: null },
  });
  return res.count === 1;
}

/** Records a failed run. claimedAt = now, so the slot is retried once the lease has run out. */
export async function failSlot(db: PrismaClient, job: string, slot: string, claimer: string, now: Date, error: string): Promise<void> {
  await db.jobRun.updateMany({
    where: { job, slot, claimedBy: claimer, finishedAt: null },
    data: { claimedAt: now, error: error.slice(0, 500) },
  });
}

/** Heartbeat of a long run. False when the claim was lost: stop working. */
export async function touchSlot(db: PrismaClient, job: string, slot: string, claimer: string, now: Date): Promise<boolean> {
  const res = await db.jobRun.updateMany({ where: { job, slot, claimedBy: claimer, finishedAt: null }, data: { claimedAt: now } });
  return res.count === 1;
}

export class LostClaimError extends Error {
  constructor(what: string) {
    super(`lost the claim on ${what} (another replica took it over)`);
    this.name = "LostClaimError";
  }
}

/**
 * The most recent fire time of a cron expression at or before `now`, in `timeZone` (cron-parser's
 * prev(), DST included), so a run missed while every replica was down (or a fire missed by a
 * blocked event loop) is caught up by the next check. Fires older than `lookbackMs` are not
 * caught up: a replica started after a week off does not send last week's reminders.
 */
export class CronSchedule {
  private readonly cron: CronExpression;

  constructor(
    readonly expression: string,
    readonly timeZone: string,
    private readonly lookbackMs = 8 * 24 * 60 * 60_000,
  ) {
    try {
      this.cron = CronExpressionParser.parse(expression, { tz: timeZone });
    } catch (err) {
      throw new Error(`invalid cron expression ${JSON.stringify(expression)}: ${(err as Error).message}`);
    }
  }

  latestFire(now: Date): Date | undefined {
    // prev() is strictly before the date it starts from: a fire at `now` itself counts.
    this.cron.reset(new Date(now.getTime() + 1));
    const fire = this.cron.prev().toDate();
    const floor = Math.floor(now.getTime() / 60_000) * 60_000 - this.lookbackMs;
    return fire.getTime() >= floor ? fire : undefined;
  }
}

/**
 * Spaces out Slack posts: at most one per `perKeyMs` per channel (Slack allows about one message
 * per second per channel) and one per `globalMs` overall. `pause` honours a 429's Retry-After.
 * Time and sleep are injected so tests never wait.
 */
export interface Pacer {
  wait(key: string): Promise<void>;
  pause(key: string, ms: number): void;
}

export function createPacer(
  o: { perKeyMs?: number; globalMs?: number; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): Pacer {
  const perKeyMs = o.perKeyMs ?? 1100;
  const globalMs = o.globalMs ?? 200;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const next = new Map<string, number>();
  let globalNext = 0;
  return {
    async wait(key) {
      const t0 = now();
      if (next.size > 10_000) for (const [k, v] of next) if (v < t0) next.delete(k);
      // Reserve the slot before sleeping, so concurrent callers queue behind each other.
      const at = Math.max(t0, next.get(key) ?? 0, globalNext);
      next.set(key, at + perKeyMs);
      globalNext = at + globalMs;
      if (at > t0) await sleep(at - t0);
    },
    pause(key, ms) {
      next.set(key, Math.max(next.get(key) ?? 0, now() + ms));
    },
  };
}

/** No waiting at all (tests, benchmarks). */
export const noPacing: Pacer = { wait: async () => undefined, pause: () => undefined };
