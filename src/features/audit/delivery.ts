/**
 * Delivery of the audit outbox (table audit_event) to the audit channel. Hand-written on purpose:
 * the events must reach Slack in id order, exactly as recorded, from one replica at a time, and
 * survive Slack being down or refusing the bot for days; the rows are the audit trail, the
 * channel a view of it (docs/decisions/0004-audit-outbox.md).
 */
import type { Database } from "../../platform/db/database.js";
import type { SqlExecutor } from "../../platform/db/migrate.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { Clock } from "../../shared/clock.js";
import type { PostFailure } from "../../platform/jobs/poster.js";
import { confirmSessionAlive, othersWriting, withTryAdvisoryLock } from "../../platform/db/locks.js";

export type AuditEventRow = Prisma.AuditEventGetPayload<object>;

/** Why a delivery failed, as the caller (who knows the transport) classifies it. */
export type DeliveryFailure = PostFailure;

export interface DeliveryHooks {
  /** Sends one event; throws on failure. */
  post(event: AuditEventRow): Promise<void>;
  classify(err: unknown): DeliveryFailure;
  onFailure?(event: AuditEventRow, failure: DeliveryFailure, nextAttemptAt: Date): void;
  /** A gap in the ids did not close in time; delivery goes on past it. */
  onGapGivenUp?(event: AuditEventRow, missingAfter: bigint): void;
  /** The event was sent but could not be marked delivered: it will be sent again. */
  onMarkFailed?(event: AuditEventRow, err: unknown): void;
}

/** Session advisory lock held by the one replica delivering at a time ("AUDIT" in ASCII). */
export const AUDIT_LOCK_ID = 0x4155_4449_54n;
export const BACKOFF_BASE_MS = 1_000;
/** Cap of the exponential back-off: a broken audit channel is retried every 5 minutes, forever. */
export const BACKOFF_CAP_MS = 5 * 60_000;
/** How long a gap in the ids may hold delivery back while a writer is still in flight. */
export const GAP_MAX_WAIT_MS = 10_000;
export const MAX_PER_RUN = 50;

/** Delay before the next attempt after `attempts` failed ones (attempts ≥ 1). */
export function backoffMs(attempts: number, failure: Pick<DeliveryFailure, "retryAfterMs">): number {
  if (failure.retryAfterMs !== undefined) return Math.min(Math.max(0, failure.retryAfterMs), BACKOFF_CAP_MS * 2);
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}

/** First time each Database saw the current id gap (a wait, not a claim: losing it costs a wait). */
const gapSeen = new WeakMap<Database, { id: bigint; since: number }>();

/**
 * Delivers undelivered audit events strictly in id order: the oldest first, never past one that
 * failed (a failure records attempts, lastError and nextAttemptAt and ends the run). Only one
 * deliverer runs at a time, on any replica: the one holding AUDIT_LOCK_ID (withTryAdvisoryLock).
 * Delivery is at least once: an event sent whose row could not be marked afterwards is sent
 * again. Returns the number of events delivered.
 */
export async function deliverAuditEvents(
  db: Database,
  clock: Clock,
  hooks: DeliveryHooks,
  opts: { max?: number; monotonic?: () => number } = {},
): Promise<number> {
  const head = await nextEvent(db);
  if (!head || backingOff(head, clock)) return 0;
  return db.withConnection(async (sql) => {
    const run = () => deliverLocked(db, sql, clock, hooks, opts.max ?? MAX_PER_RUN, opts.monotonic ?? (() => performance.now()));
    const res = await withTryAdvisoryLock(sql, AUDIT_LOCK_ID, run);
    return res.locked ? res.value : 0; // not locked: another replica is delivering
  });
}

/**
 * Only a failed attempt sets nextAttemptAt that matters: a new row's default (the database's
 * now()) may run ahead of the app's clock, and must not hold delivery back.
 */
function backingOff(event: AuditEventRow, clock: Clock): boolean {
  return event.attempts > 0 && event.nextAttemptAt.getTime() > clock().getTime();
}

function nextEvent(db: Database): Promise<AuditEventRow | null> {
  return db.prisma.auditEvent.findFirst({ where: { deliveredAt: null }, orderBy: { id: "asc" } });
}

async function deliverLocked(
  db: Database,
  sql: SqlExecutor,
  clock: Clock,
  hooks: DeliveryHooks,
  max: number,
  monotonic: () => number,
): Promise<number> {
  const prisma = db.prisma;
  let delivered = 0;
  while (delivered < max) {
    const event = await nextEvent(db);
    if (!event || backingOff(event, clock)) break;
    if (db.kind === "postgres") {
      if (await gapStillOpen(db, sql, event, hooks, monotonic)) break;
      // Still holding the lock? A dropped session would have released it to another replica.
      await confirmSessionAlive(sql);
    }
    try {
      await hooks.post(event);
    } catch (err) {
      const failure = hooks.classify(err);
      const attempts = event.attempts + 1;
      const nextAttemptAt = new Date(clock().getTime() + backoffMs(attempts, failure));
      await prisma.auditEvent.update({
        where: { id: event.id },
        data: { attempts, lastError: failure.code.slice(0, 500), nextAttemptAt },
      });
      hooks.onFailure?.(event, failure, nextAttemptAt);
      break;
    }
    try {
      await prisma.auditEvent.update({ where: { id: event.id }, data: { deliveredAt: clock(), attempts: { increment: 1 } } });
    } catch (err) {
      hooks.onMarkFailed?.(event, err);
      throw err;
    }
    delivered += 1;
  }
  return delivered;
}

/**
 * PostgreSQL only. Ids come from a sequence taken at insert time, but transactions commit in
 * any order: event 11 may be visible while 10's transaction is still running. When the
 * previous id is missing, wait while any other session is writing audit_event (it may hold
 * the missing id); once none is, the gap is a rolled-back transaction. Gives up after
 * GAP_MAX_WAIT_MS under constant write load. PGlite runs one transaction at a time, so every
 * id it has handed out is committed or rolled back whenever we can read.
 */
async function gapStillOpen(
  db: Database,
  sql: SqlExecutor,
  event: AuditEventRow,
  hooks: DeliveryHooks,
  monotonic: () => number,
): Promise<boolean> {
  const prev = await db.prisma.auditEvent.aggregate({ _max: { id: true }, where: { id: { lt: event.id } } });
  const expected = (prev._max.id ?? 0n) + 1n;
  if (event.id === expected) return false;
  if (!(await othersWriting(sql, "audit_event"))) {
    // Every writer that could hold a smaller id has finished: if one committed, it is the head now.
    const head = await nextEvent(db);
    gapSeen.delete(db);
    return head?.id !== event.id;
  }
  const seen = gapSeen.get(db);
  if (!seen || seen.id !== event.id) {
    gapSeen.set(db, { id: event.id, since: monotonic() });
    return true;
  }
  if (monotonic() - seen.since < GAP_MAX_WAIT_MS) return true;
  gapSeen.delete(db);
  hooks.onGapGivenUp?.(event, expected - 1n);
  return false;
}
