import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";
import { canManage, type Actor } from "../apps/service.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { SECRET_IN_TEXT_MESSAGE, containsSecret } from "../credentials/key-format.js";
import { DomainError } from "../../shared/errors.js";
import { cleanMultiline } from "../../shared/text.js";

/**
 * Rotation reminders. A key is due `rotationDays` after it was created, counted in calendar days
 * in the configured time zone. Stages, by days left until that date:
 *
 *   due-14     14..8 days left        due        0..-6 (due today, or since a day without a run)
 *   due-7       7..1 days left        overdue:N  -7N..-7N-6 (one more every week)
 *
 * Every stage is a window of 7 days, so weekday runs never skip one. A run sends only the current
 * stage: a key first seen when already overdue gets no 14/7/today reminders retroactively (rows
 * are created for the current stage only; a pending row of an older stage is dropped).
 *
 * One `rotation_reminder` row per (credential, stage, recipient): every owner and co-owner gets
 * each stage once. The schema's unique key is (credentialId, stage), so the recipient is part of
 * the stage column: `due-7@U0123`. The row is the outbox entry: created once, claimed by one
 * replica, marked sent once Slack accepted the message that listed it.
 */

export const FIRST_REMINDER_DAYS = 14;
export const SNOOZE_MAX_DAYS = 30;
export const SNOOZE_REASON_MAX = 300;
/** Sends of one reminder before it is given up (back-off doubles from 20 minutes: about a day). */
export const MAX_SEND_ATTEMPTS = 8;
/** A claimed reminder whose replica has not sent it in this time may be taken by another. */
export const REMINDER_LEASE_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

export type Stage = "due-14" | "due-7" | "due" | `overdue:${number}`;

export function stageFor(daysLeft: number): Stage | null {
  if (daysLeft > FIRST_REMINDER_DAYS) return null;
  if (daysLeft > 7) return "due-14";
  if (daysLeft > 0) return "due-7";
  if (daysLeft > -7) return "due";
  return `overdue:${Math.floor(-daysLeft / 7)}`;
}

/** Higher is more urgent. */
export function stageRank(stage: string): number {
  if (stage === "due-14") return 0;
  if (stage === "due-7") return 1;
  if (stage === "due") return 2;
  const m = /^overdue:(\d+)$/.exec(stage);
  return m ? 2 + Number(m[1]) : -1;
}

/** The time zone of calendar days: TZ, else the process's, else UTC. */
export function rotationTimeZone(tz?: string): string {
  for (const candidate of [tz, Intl.DateTimeFormat().resolvedOptions().timeZone, "UTC"]) {
    if (!candidate) continue;
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: candidate });
      return candidate;
    } catch {
      // not a zone Intl knows; try the next
    }
  }
  return "UTC";
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** Calendar day of `d` in `tz`, as a day number (days since 1970-01-01). */
export function localDay(d: Date, tz: string): number {
  let f = dayFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(tz, f);
  }
  const [y, m, day] = f.format(d).split("-").map(Number);
  return Math.round(Date.UTC(y!, m! - 1, day!) / DAY_MS);
}

/**
 * Calendar days from `now` to the due date (negative: overdue), as the SQL below counts them. A
 * key whose creator left the company (offboarding) is due by `rotateBy` if that comes first.
 */
export function daysLeft(createdAt: Date, rotationDays: number, now: Date, tz: string, rotateBy?: Date | null): number {
  const due = localDay(createdAt, tz) + rotationDays;
  return (rotateBy ? Math.min(due, localDay(rotateBy, tz)) : due) - localDay(now, tz);
}

/** The due date of a key: createdAt + rotationDays, or rotateBy when that comes first. */
export function dueDate(createdAt: Date, rotationDays: number, rotateBy?: Date | null): Date {
  const due = createdAt.getTime() + rotationDays * DAY_MS;
  return new Date(rotateBy ? Math.min(due, rotateBy.getTime()) : due);
}

// ------------------------------------------------------------------------------------ SQL

/** Days left for credential alias `c` (same as daysLeft()). Timestamps are stored as UTC wall time. */
function daysLeftSql(rotationDays: number, tz: string, now: Date): Prisma.Sql {
  return Prisma.sql`(LEAST(((c."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE ${tz})::date + ${rotationDays}::int,
      COALESCE(((c."rotateBy" AT TIME ZONE 'UTC') AT TIME ZONE ${tz})::date, 'infinity'::date))
    - ((${now}::timestamp AT TIME ZONE 'UTC') AT TIME ZONE ${tz})::date)`;
}

/** The due moment of credential alias `c` (see dueDate()). */
function dueAtSql(rotationDays: number, col = Prisma.sql`c`): Prisma.Sql {
  return Prisma.sql`LEAST(${col}."createdAt" + make_interval(days => ${rotationDays}::int), COALESCE(${col}."rotateBy", 'infinity'::timestamp))`;
}

/** stageFor() in SQL, over an integer column `dl`. */
const STAGE_SQL = Prisma.sql`CASE WHEN dl > 14 THEN NULL WHEN dl > 7 THEN 'due-14' WHEN dl > 0 THEN 'due-7' WHEN dl > -7 THEN 'due'
  ELSE 'overdue:' || ((-dl) / 7)::text END`;

/** Exposed for the test that keeps stageFor() and STAGE_SQL in step. */
export async function stagesInSql(db: PrismaClient, values: number[]): Promise<Array<{ dl: number; stage: string | null }>> {
  return db.$queryRaw`SELECT dl, ${STAGE_SQL} AS stage FROM unnest(${values}::int[]) AS dl ORDER BY dl`;
}

/** An active key that is not snoozed, not being replaced, of a live app. */
function openSql(now: Date): Prisma.Sql {
  return Prisma.sql`c.status = 'ACTIVE' AND c."revokeAt" IS NULL AND (c."snoozedUntil" IS NULL OR c."snoozedUntil" <= ${now}::timestamp)`;
}

/** Keys created after this cannot be within FIRST_REMINDER_DAYS of their due date (a day spare for time zones). */
function candidateCutoff(now: Date, rotationDays: number): Date {
  return new Date(now.getTime() - (rotationDays - FIRST_REMINDER_DAYS - 1) * DAY_MS);
}

/** A row nobody is sending right now: unclaimed, claimed by `claimer`, or its claim expired. */
function claimableSql(now: Date, claimer: string): Prisma.Sql {
  return Prisma.sql`("claimedBy" = ${claimer} OR "claimedAt" IS NULL
    OR "claimedAt" < ${now}::timestamp - make_interval(secs => ${REMINDER_LEASE_MS / 1000}::int * power(2, LEAST(attempts, 5))))`;
}

// ---------------------------------------------------------------------------------- sweep

export interface SweepParams {
  now: Date;
  rotationDays: number;
  timeZone: string;
  /** New rows are created claimed by this run, so no other replica sends half of them mid-sweep. */
  claimer: string;
  batchSize?: number;
  /** Called after each batch (heartbeat of the run's claim). */
  onBatch?: () => Promise<void>;
}

export interface SweepResult {
  scanned: number;
  created: number;
  batches: number;
}

/**
 * Creates the reminder rows of the current stage for every key due within FIRST_REMINDER_DAYS,
 * in batches along the (status, createdAt) index, one statement per batch. Idempotent: existing
 * rows are left alone (unique key). Pending rows that are no longer current (the key moved on,
 * was revoked, snoozed, replaced) are not touched here: they are dropped when their recipient's
 * reminders are sent (partitionReminders).
 */
export async function sweepReminders(db: PrismaClient, p: SweepParams): Promise<SweepResult> {
  const batchSize = p.batchSize ?? 5000;
  const cutoff = candidateCutoff(p.now, p.rotationDays);
  const dl = daysLeftSql(p.rotationDays, p.timeZone, p.now);
  const result: SweepResult = { scanned: 0, created: 0, batches: 0 };
  let afterAt = new Date(0);
  let afterId = "";
  for (;;) {
    const [batch] = await db.$queryRaw<Array<{ scanned: number; created: number; lastAt: Date | null; lastId: string | null }>>`
      WITH page AS (
        SELECT c.id, c."appId", c."createdAt", c.status, c."revokeAt", c."snoozedUntil", c."rotateBy" FROM credential c
        WHERE c.status = 'ACTIVE' AND (c."createdAt" <= ${cutoff}::timestamp OR c."rotateBy" IS NOT NULL)
          AND c."createdAt" >= ${afterAt}::timestamp AND (c."createdAt" > ${afterAt}::timestamp OR c.id > ${afterId})
        ORDER BY c."createdAt", c.id
        LIMIT ${batchSize}
      ), ins AS (
        INSERT INTO rotation_reminder (id, "credentialId", stage, "ownerId", "dueAt", "createdAt", "claimedBy", "claimedAt")
        SELECT gen_random_uuid()::text, s.id, s.stage, o."userId",
               ${dueAtSql(p.rotationDays, Prisma.sql`s`)}, ${p.now}::timestamp, ${p.claimer}, ${p.now}::timestamp
        FROM (
          SELECT x.id, x."appId", x."createdAt", x."rotateBy", ${STAGE_SQL} AS stage
          FROM (
            SELECT c.id, c."appId", c."createdAt", c."rotateBy", ${dl} AS dl
            FROM page c JOIN app a ON a.id = c."appId" AND a."archivedAt" IS NULL
            WHERE ${openSql(p.now)}
          ) x
        ) s
        JOIN app_owner o ON o."appId" = s."appId"
        WHERE s.stage IS NOT NULL
        ON CONFLICT ("credentialId", stage, "ownerId") DO NOTHING
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM page)::int AS scanned, (SELECT count(*) FROM ins)::int AS created,
             last."createdAt" AS "lastAt", last.id AS "lastId"
      FROM (SELECT 1) one
      LEFT JOIN (SELECT id, "createdAt" FROM page ORDER BY "createdAt" DESC, id DESC LIMIT 1) last ON true`;
    if (!batch || batch.scanned === 0 || !batch.lastAt || batch.lastId === null) break;
    result.scanned += batch.scanned;
    result.created += batch.created;
    result.batches += 1;
    afterAt = batch.lastAt;
    afterId = batch.lastId;
    await p.onBatch?.();
    if (batch.scanned < batchSize) break;
  }
  return result;
}

// ---------------------------------------------------------------------------------- claims

/**
 * Claims every sendable reminder of up to `limit` recipients (ownerId > after), so each recipient
 * gets one message per run. A transaction-scoped advisory lock per recipient keeps two replicas
 * from splitting one recipient's rows between them. `last` is where the next call continues.
 */
export async function claimRecipients(
  db: PrismaClient,
  p: { now: Date; claimer: string; after: string; limit: number },
): Promise<{ owners: string[]; last: string | undefined }> {
  return db.$transaction(async (tx) => {
    const candidates = await tx.$queryRaw<Array<{ ownerId: string }>>`
      SELECT DISTINCT "ownerId" FROM rotation_reminder
      WHERE "sentAt" IS NULL AND "ownerId" > ${p.after} AND attempts < ${MAX_SEND_ATTEMPTS} AND ${claimableSql(p.now, p.claimer)}
      ORDER BY "ownerId" LIMIT ${p.limit}`;
    if (candidates.length === 0) return { owners: [], last: undefined };
    const ids = candidates.map((c) => c.ownerId);
    const locked = await tx.$queryRaw<Array<{ o: string }>>`
      SELECT o FROM unnest(${ids}::text[]) AS o WHERE pg_try_advisory_xact_lock(hashtextextended('appkeys:rotation:' || o, 0))`;
    const lockedIds = locked.map((l) => l.o);
    const claimed = lockedIds.length
      ? await tx.$queryRaw<Array<{ ownerId: string }>>`
          UPDATE rotation_reminder SET "claimedBy" = ${p.claimer}, "claimedAt" = ${p.now}::timestamp
          WHERE "ownerId" = ANY(${lockedIds}::text[]) AND "sentAt" IS NULL AND attempts < ${MAX_SEND_ATTEMPTS} AND ${claimableSql(p.now, p.claimer)}
          RETURNING "ownerId"`
      : [];
    return { owners: [...new Set(claimed.map((c) => c.ownerId))].sort(), last: ids[ids.length - 1] };
  });
}

export type ClaimedReminder = Prisma.RotationReminderGetPayload<{
  include: { credential: { include: { app: { include: { owners: { select: { userId: true } } } } } } };
}>;

export async function loadClaimedReminders(db: PrismaClient, ownerId: string, claimer: string): Promise<ClaimedReminder[]> {
  return db.rotationReminder.findMany({
    where: { ownerId, claimedBy: claimer, sentAt: null },
    include: { credential: { include: { app: { include: { owners: { where: { userId: ownerId }, select: { userId: true } } } } } } },
    orderBy: [{ dueAt: "asc" }, { credentialId: "asc" }],
  });
}

/**
 * Splits claimed rows into those still worth sending and those to drop: the key was revoked,
 * is being replaced, is snoozed, its app archived, the recipient is no longer an owner, or the
 * row's stage is no longer the key's current one (time moved on, or the rotation period changed).
 */
export function partitionReminders(
  rows: ClaimedReminder[],
  now: Date,
  policy: { rotationDays: number; timeZone: string },
): { send: ClaimedReminder[]; drop: ClaimedReminder[] } {
  const send: ClaimedReminder[] = [];
  const drop: ClaimedReminder[] = [];
  for (const r of rows) {
    const c = r.credential;
    const live =
      c.status === "ACTIVE" &&
      !c.revokeAt &&
      !(c.snoozedUntil && c.snoozedUntil > now) &&
      !c.app.archivedAt &&
      c.app.owners.some((o) => o.userId === r.ownerId);
    const current = stageFor(daysLeft(c.createdAt, policy.rotationDays, now, policy.timeZone, c.rotateBy));
    if (live && current !== null && r.stage === current) send.push(r);
    else drop.push(r);
  }
  return { send, drop };
}

export async function dropReminders(db: PrismaClient, ids: string[], claimer: string): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db.rotationReminder.deleteMany({ where: { id: { in: ids }, claimedBy: claimer, sentAt: null } });
  return res.count;
}

/** Returns how many rows were still ours to mark (fewer: another replica took them over). */
export async function markRemindersSent(db: PrismaClient, ids: string[], claimer: string, now: Date): Promise<number> {
  const res = await db.rotationReminder.updateMany({
    where: { id: { in: ids }, claimedBy: claimer, sentAt: null },
    data: { sentAt: now, lastError: null },
  });
  return res.count;
}

/** Releases the rows for a later attempt (back-off from claimedAt), or gives them up when permanent. */
export async function markRemindersFailed(
  db: PrismaClient,
  ids: string[],
  claimer: string,
  now: Date,
  error: string,
  permanent: boolean,
): Promise<void> {
  if (ids.length === 0) return;
  await db.rotationReminder.updateMany({
    where: { id: { in: ids }, claimedBy: claimer, sentAt: null },
    data: { claimedBy: null, claimedAt: now, attempts: permanent ? MAX_SEND_ATTEMPTS : { increment: 1 }, lastError: error.slice(0, 500) },
  });
}

/** Heartbeat: keeps this run's claims from expiring while it works through a long queue. */
export async function refreshClaims(db: PrismaClient, claimer: string, now: Date): Promise<void> {
  await db.rotationReminder.updateMany({ where: { claimedBy: claimer, sentAt: null }, data: { claimedAt: now } });
}

/** Given-up reminders older than 30 days go, so the pending index stays small. */
export async function pruneReminders(db: PrismaClient, now: Date): Promise<number> {
  const res = await db.rotationReminder.deleteMany({
    where: { sentAt: null, attempts: { gte: MAX_SEND_ATTEMPTS }, claimedAt: { lt: new Date(now.getTime() - 30 * DAY_MS) } },
  });
  return res.count;
}

// ---------------------------------------------------------------------------------- digest

export interface DigestKey {
  credentialId: string;
  label: string;
  environment: string;
  appPublicId: string;
  appTitle: string;
  daysLeft: number;
  dueAt: Date;
  neverUsed: boolean;
}

export interface DigestCounts {
  overdue: number;
  dueToday: number;
  due7: number;
  due14: number;
  snoozed: number;
  /** Already replaced, old key waiting for its grace period to end. */
  rotating: number;
}

export interface Digest {
  counts: DigestCounts;
  /** overdue + dueToday + due7 + due14. */
  total: number;
  /** The most urgent keys first within each app and environment; at most `limit`. */
  keys: DigestKey[];
}

export const DIGEST_MAX_KEYS = 1000;

/** Keys due within FIRST_REMINDER_DAYS or overdue, with counts, for the rotation channel. */
export async function loadDigest(
  db: PrismaClient,
  p: { now: Date; rotationDays: number; timeZone: string; limit?: number },
): Promise<Digest> {
  const cutoff = candidateCutoff(p.now, p.rotationDays);
  const dl = daysLeftSql(p.rotationDays, p.timeZone, p.now);
  const [row] = await db.$queryRaw<Array<DigestCounts>>`
    SELECT count(*) FILTER (WHERE x.open AND x.dl < 0)::int AS overdue,
           count(*) FILTER (WHERE x.open AND x.dl = 0)::int AS "dueToday",
           count(*) FILTER (WHERE x.open AND x.dl BETWEEN 1 AND 7)::int AS due7,
           count(*) FILTER (WHERE x.open AND x.dl BETWEEN 8 AND ${FIRST_REMINDER_DAYS})::int AS due14,
           count(*) FILTER (WHERE NOT x.open AND NOT x.rotating)::int AS snoozed,
           count(*) FILTER (WHERE x.rotating)::int AS rotating
    FROM (
      SELECT ${dl} AS dl, (${openSql(p.now)}) AS open, (c."revokeAt" IS NOT NULL) AS rotating
      FROM credential c JOIN app a ON a.id = c."appId" AND a."archivedAt" IS NULL
      WHERE c.status = 'ACTIVE' AND (c."createdAt" <= ${cutoff}::timestamp OR c."rotateBy" IS NOT NULL)
    ) x
    WHERE x.dl <= ${FIRST_REMINDER_DAYS}`;
  const counts: DigestCounts = row ?? { overdue: 0, dueToday: 0, due7: 0, due14: 0, snoozed: 0, rotating: 0 };
  const total = counts.overdue + counts.dueToday + counts.due7 + counts.due14;
  if (total === 0) return { counts, total, keys: [] };
  const keys = await db.$queryRaw<DigestKey[]>`
    SELECT x.id AS "credentialId", x.label, x.environment, x."appPublicId", x."appTitle", x.dl AS "daysLeft",
           ${dueAtSql(p.rotationDays, Prisma.sql`x`)} AS "dueAt", x."neverUsed"
    FROM (
      SELECT c.id, c.label, c.environment::text AS environment, a."publicId" AS "appPublicId", a.title AS "appTitle",
             c."createdAt", c."rotateBy", (c."lastUsedAt" IS NULL) AS "neverUsed", ${dl}::int AS dl
      FROM credential c JOIN app a ON a.id = c."appId" AND a."archivedAt" IS NULL
      WHERE (c."createdAt" <= ${cutoff}::timestamp OR c."rotateBy" IS NOT NULL) AND ${openSql(p.now)}
    ) x
    WHERE x.dl <= ${FIRST_REMINDER_DAYS}
    ORDER BY x."appTitle", x."appPublicId", x.environment, x.dl, x.id
    LIMIT ${p.limit ?? DIGEST_MAX_KEYS}`;
  return { counts, total, keys };
}

// ---------------------------------------------------------------------------------- snooze

export interface SnoozeTarget {
  credential: {
    id: string;
    environment: string;
    label: string;
    sharedKey: string;
    createdAt: Date;
    snoozedUntil: Date | null;
    snoozeReason: string | null;
  };
  app: { id: string; publicId: string; title: string };
}

async function loadManaged(db: Prisma.TransactionClient, actor: Actor, credentialId: string) {
  const cred = await db.credential.findUnique({ where: { id: credentialId }, include: { app: { include: { owners: true } } } });
  if (!cred || cred.app.teamId !== actor.teamId || cred.app.archivedAt) throw new DomainError("credential.gone", {});
  if (!canManage(actor, cred.app)) throw new DomainError("rotation.snooze_forbidden", {});
  if (cred.status !== "ACTIVE") throw new DomainError("rotation.key_revoked", { credentialId: cred.id });
  if (cred.revokeAt) throw new DomainError("rotation.key_replacing", { credentialId: cred.id });
  return cred;
}

/** What the Snooze dialog shows; throws when the actor may not snooze this key. */
export async function loadSnoozeTarget(db: PrismaClient, actor: Actor, credentialId: string): Promise<SnoozeTarget> {
  const c = await loadManaged(db, actor, credentialId);
  return {
    credential: {
      id: c.id,
      environment: c.environment,
      label: c.label,
      sharedKey: c.sharedKey,
      createdAt: c.createdAt,
      snoozedUntil: c.snoozedUntil,
      snoozeReason: c.snoozeReason,
    },
    app: { id: c.app.id, publicId: c.app.publicId, title: c.app.title },
  };
}

/** Field errors of the Snooze dialog (days, reason); empty when the input is fine. */
export function validateSnooze(input: { days: string | number; reason: string }): {
  days?: number;
  reason?: string;
  errors: Record<string, string>;
} {
  const errors: Record<string, string> = {};
  const raw = typeof input.days === "number" ? String(input.days) : input.days.trim();
  const days = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > SNOOZE_MAX_DAYS) errors.days = `Snooze for 1 to ${SNOOZE_MAX_DAYS} days (whole days).`;
  const reason = cleanMultiline(input.reason ?? "");
  if (!reason) errors.reason = "Say why the key is not rotated now.";
  else if (reason.length > SNOOZE_REASON_MAX)
    errors.reason = `Keep the reason to ${SNOOZE_REASON_MAX} characters (it has ${reason.length}).`;
  else if (containsSecret(reason)) errors.reason = SECRET_IN_TEXT_MESSAGE;
  return Object.keys(errors).length ? { errors } : { days, reason, errors };
}

/** Pauses a key's reminders for `days` (1–30), with a reason; audited in the same transaction. */
export async function snoozeCredential(
  db: PrismaClient,
  clock: Clock,
  actor: Actor,
  input: { credentialId: string; days: string | number; reason: string },
): Promise<{ until: Date; appId: string; credentialId: string; days: number }> {
  const v = validateSnooze(input);
  if (v.days === undefined || v.reason === undefined) throw new DomainError("input.invalid", {}, v.errors);
  const { days, reason } = v;
  const now = clock();
  const until = new Date(now.getTime() + days * DAY_MS);
  return db.$transaction(async (tx) => {
    const cred = await loadManaged(tx, actor, input.credentialId);
    await tx.credential.update({ where: { id: cred.id }, data: { snoozedUntil: until, snoozeReason: reason, snoozedBy: actor.userId } });
    await recordAudit(tx, {
      actorId: actor.userId,
      action: "credential.snoozed",
      teamId: actor.teamId,
      app: cred.app,
      credentialId: cred.id,
      environment: cred.environment,
      reason,
      details: { days, until: until.toISOString() },
      at: now,
    });
    return { until, appId: cred.app.id, credentialId: cred.id, days };
  });
}
