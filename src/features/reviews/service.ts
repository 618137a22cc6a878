import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../generated/prisma/client.js";
import { canManage, type Actor } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import { DomainError } from "../../shared/errors.js";
import { lockForTransaction } from "../../platform/db/xact-lock.js";
import { SYSTEM_ACTOR } from "../teams/service.js";

const DAY_MS = 86_400_000;
/** A claimed notice not sent within this time may be taken by another replica. */
export const NOTICE_LEASE_MS = 10 * 60_000;
export const NOTICE_MAX_ATTEMPTS = 5;

export type Decision = "keep" | "revoke";

export interface ReviewKey {
  credentialId: string;
  label: string;
  sharedKey: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  decision: string | null;
  decidedBy: string | null;
  status: string;
}

export interface ReviewNoticeContent {
  review: { id: string; closesAt: Date; closedAt: Date | null; enforced: boolean };
  app: { id: string; publicId: string; title: string };
  keys: ReviewKey[];
}

export interface ClosedApp {
  app: { id: string; publicId: string; title: string; teamId: string };
  kept: string[];
  revoked: string[];
  unanswered: string[];
  /** Unanswered keys revoked at close (ACCESS_REVIEW_ENFORCE). */
  enforced: string[];
  owners: string[];
}

export interface CloseResult {
  reviewId: string;
  slot: string;
  enforced: boolean;
  apps: ClosedApp[];
  /** Revoked at close, for the verification caches. */
  revokedKeys: Array<{ id: string; sharedKey: string }>;
}

/**
 * Quarterly access reviews of production keys. A review is created once per schedule slot (the
 * slot is unique), with one item per active production key and one DM outbox row per (app,
 * owner). Owners answer Keep or Revoke until the review closes; at close, unanswered keys are
 * reported or, when enforced, revoked. Every step is a transaction that checks the state it
 * changes, so a replica racing another, a retried click or a late answer changes nothing twice.
 */
export class ReviewService {
  constructor(private readonly db: PrismaClient) {}

  /** Starts the review of `slot`; undefined when it exists already (another replica, a re-run). */
  async start(
    slot: string,
    now: Date,
    days: number,
    enforced: boolean,
  ): Promise<{ id: string; keys: number; notices: number } | undefined> {
    return this.db.$transaction(async (tx) => {
      const id = randomUUID();
      const closesAt = new Date(now.getTime() + days * DAY_MS);
      const created = await tx.$executeRaw`
        INSERT INTO access_review (id, slot, "startedAt", "closesAt", enforced)
        VALUES (${id}, ${slot}, ${now}::timestamp, ${closesAt}::timestamp, ${enforced})
        ON CONFLICT (slot) DO NOTHING`;
      if (created === 0) return undefined;
      const keys = await tx.$executeRaw`
        INSERT INTO access_review_item ("reviewId", "credentialId", "appId")
        SELECT ${id}, c.id, c."appId" FROM credential c JOIN app a ON a.id = c."appId" AND a."archivedAt" IS NULL
        WHERE c.status = 'ACTIVE' AND c.environment = 'production' AND c."revokeAt" IS NULL`;
      const notices = await tx.$executeRaw`
        INSERT INTO access_review_notice ("reviewId", "appId", "ownerId")
        SELECT DISTINCT ${id}, i."appId", o."userId" FROM access_review_item i JOIN app_owner o ON o."appId" = i."appId"
        WHERE i."reviewId" = ${id}`;
      await recordAudit(tx, {
        actorId: SYSTEM_ACTOR,
        action: "review.started",
        details: { reviewId: id, keys, notices, closesAt: closesAt.toISOString(), enforced },
        at: now,
      });
      return { id, keys, notices };
    });
  }

  /** Claims up to `limit` unsent DMs (any review), so two replicas never send the same one. */
  async claimNotices(claimer: string, now: Date, limit: number): Promise<Array<{ reviewId: string; appId: string; ownerId: string }>> {
    const stale = new Date(now.getTime() - NOTICE_LEASE_MS);
    return this.db.$queryRaw`
      UPDATE access_review_notice n SET "claimedBy" = ${claimer}, "claimedAt" = ${now}::timestamp
      FROM (
        SELECT x."reviewId", x."appId", x."ownerId" FROM access_review_notice x JOIN access_review r ON r.id = x."reviewId"
        WHERE x."sentAt" IS NULL AND r."closedAt" IS NULL AND x.attempts < ${NOTICE_MAX_ATTEMPTS}
          AND (x."claimedAt" IS NULL OR x."claimedAt" < ${stale}::timestamp)
        ORDER BY x."ownerId", x."appId" LIMIT ${limit}
        FOR UPDATE OF x SKIP LOCKED
      ) pick
      WHERE n."reviewId" = pick."reviewId" AND n."appId" = pick."appId" AND n."ownerId" = pick."ownerId"
      RETURNING n."reviewId", n."appId", n."ownerId"`;
  }

  async markNotice(
    n: { reviewId: string; appId: string; ownerId: string },
    claimer: string,
    now: Date,
    failure?: { error: string; permanent: boolean },
  ): Promise<void> {
    const where = { reviewId_appId_ownerId: n };
    const row = await this.db.accessReviewNotice.findUnique({ where });
    if (!row || row.claimedBy !== claimer || row.sentAt) return;
    await this.db.accessReviewNotice.update({
      where,
      data: failure
        ? {
            claimedBy: null,
            claimedAt: now,
            attempts: failure.permanent ? NOTICE_MAX_ATTEMPTS : { increment: 1 },
            lastError: failure.error.slice(0, 300),
          }
        : { sentAt: now, lastError: null },
    });
  }

  /** What one owner's DM about one app lists, answers included. */
  async content(reviewId: string, appId: string): Promise<ReviewNoticeContent | undefined> {
    const review = await this.db.accessReview.findUnique({ where: { id: reviewId } });
    const app = await this.db.app.findUnique({ where: { id: appId }, select: { id: true, publicId: true, title: true } });
    if (!review || !app) return undefined;
    const items = await this.db.accessReviewItem.findMany({ where: { reviewId, appId }, orderBy: { credentialId: "asc" } });
    const creds = await this.db.credential.findMany({ where: { id: { in: items.map((i) => i.credentialId) } } });
    const byId = new Map(creds.map((c) => [c.id, c]));
    const keys = items.flatMap((i) => {
      const c = byId.get(i.credentialId);
      if (!c) return [];
      return [
        {
          credentialId: c.id,
          label: c.label,
          sharedKey: c.sharedKey,
          createdAt: c.createdAt,
          lastUsedAt: c.lastUsedAt,
          decision: i.decision,
          decidedBy: i.decidedBy,
          status: c.status,
        },
      ];
    });
    return { review: { id: review.id, closesAt: review.closesAt, closedAt: review.closedAt, enforced: review.enforced }, app, keys };
  }

  /**
   * An owner's answer for one key, or for every unanswered key of the app (`credentialId`
   * undefined). "Revoke" revokes at once (audited). Answers are final; a closed review takes none.
   */
  async answer(
    actor: Actor,
    p: { reviewId: string; appId: string; credentialId?: string; decision: Decision },
    now: Date,
  ): Promise<{ answered: number; revoked: Array<{ id: string; sharedKey: string }> }> {
    return this.db.$transaction(async (tx) => {
      await lockForTransaction(tx, `review:${p.reviewId}`);
      const review = await tx.accessReview.findUnique({ where: { id: p.reviewId } });
      if (!review) throw new DomainError("review.not_found", {});
      if (review.closedAt) throw new DomainError("review.closed", { closedAt: review.closedAt.toISOString().slice(0, 10) });
      const app = await tx.app.findUnique({ where: { id: p.appId }, include: { owners: true } });
      if (!app || app.archivedAt || app.teamId !== actor.teamId) throw new DomainError("app.gone", {});
      if (!canManage(actor, app)) throw new DomainError("review.forbidden", {});
      const items = await tx.accessReviewItem.findMany({
        where: { reviewId: p.reviewId, appId: p.appId, ...(p.credentialId ? { credentialId: p.credentialId } : {}) },
      });
      if (p.credentialId && items.length === 0) throw new DomainError("review.not_found", {});
      const open = items.filter((i) => !i.decision);
      if (open.length === 0) {
        const done = items[0];
        throw new DomainError("review.already_answered", { decision: done?.decision ?? p.decision, decidedBy: done?.decidedBy ?? "" });
      }
      const revoked: Array<{ id: string; sharedKey: string }> = [];
      let answered = 0;
      for (const item of open) {
        const cred = await tx.credential.findUnique({ where: { id: item.credentialId } });
        if (cred?.status !== "ACTIVE") {
          if (p.credentialId) throw new DomainError("review.key_gone", { credentialId: item.credentialId });
          continue;
        }
        await tx.accessReviewItem.update({
          where: { reviewId_credentialId: { reviewId: p.reviewId, credentialId: item.credentialId } },
          data: { decision: p.decision, decidedBy: actor.userId, decidedAt: now },
        });
        answered += 1;
        await recordAudit(tx, {
          actorId: actor.userId,
          action: "review.answered",
          teamId: app.teamId,
          app,
          credentialId: cred.id,
          environment: cred.environment,
          details: { reviewId: p.reviewId, decision: p.decision },
          at: now,
        });
        if (p.decision === "revoke") {
          const done = await tx.credential.updateMany({
            where: { id: cred.id, status: "ACTIVE" },
            data: { status: "REVOKED", revokedAt: now, revokedBy: actor.userId, revokeReason: "access_review" },
          });
          if (done.count === 1) {
            revoked.push({ id: cred.id, sharedKey: cred.sharedKey });
            await recordAudit(tx, {
              actorId: actor.userId,
              action: "credential.revoked",
              teamId: app.teamId,
              app,
              credentialId: cred.id,
              environment: cred.environment,
              reason: "access_review",
              details: { reviewId: p.reviewId },
              at: now,
            });
          }
        }
      }
      if (answered === 0) throw new DomainError("review.key_gone", { credentialId: p.credentialId ?? "" });
      return { answered, revoked };
    });
  }

  /** Open reviews whose time is up. */
  async due(now: Date): Promise<Array<{ id: string }>> {
    return this.db.accessReview.findMany({
      where: { closedAt: null, closesAt: { lte: now } },
      select: { id: true },
      orderBy: { closesAt: "asc" },
    });
  }

  /** Closes the review once: outcomes per key, unanswered keys revoked when enforced (audited). */
  async close(reviewId: string, now: Date): Promise<CloseResult | undefined> {
    return this.db.$transaction(async (tx) => {
      await lockForTransaction(tx, `review:${reviewId}`);
      const review = await tx.accessReview.findUnique({ where: { id: reviewId } });
      if (!review || review.closedAt) return undefined;
      const items = await tx.accessReviewItem.findMany({ where: { reviewId }, orderBy: [{ appId: "asc" }, { credentialId: "asc" }] });
      const creds = new Map(
        (await tx.credential.findMany({ where: { id: { in: items.map((i) => i.credentialId) } } })).map((c) => [c.id, c]),
      );
      const apps = new Map(
        (
          await tx.app.findMany({
            where: { id: { in: [...new Set(items.map((i) => i.appId))] } },
            select: { id: true, publicId: true, title: true, teamId: true, owners: { select: { userId: true } } },
          })
        ).map((a) => [a.id, a]),
      );
      const out = new Map<string, ClosedApp>();
      const revokedKeys: CloseResult["revokedKeys"] = [];
      for (const item of items) {
        const app = apps.get(item.appId);
        const cred = creds.get(item.credentialId);
        if (!app || !cred) continue;
        let entry = out.get(app.id);
        if (!entry) {
          entry = {
            app: { id: app.id, publicId: app.publicId, title: app.title, teamId: app.teamId },
            kept: [],
            revoked: [],
            unanswered: [],
            enforced: [],
            owners: app.owners.map((o) => o.userId),
          };
          out.set(app.id, entry);
        }
        let outcome: string;
        if (item.decision === "keep") outcome = "kept";
        else if (item.decision === "revoke") outcome = "revoked";
        else if (cred.status !== "ACTIVE") outcome = "gone";
        else if (review.enforced) {
          const done = await tx.credential.updateMany({
            where: { id: cred.id, status: "ACTIVE" },
            data: { status: "REVOKED", revokedAt: now, revokedBy: SYSTEM_ACTOR, revokeReason: "access_review_unanswered" },
          });
          outcome = done.count === 1 ? "revoked_unanswered" : "gone";
          if (done.count === 1) {
            revokedKeys.push({ id: cred.id, sharedKey: cred.sharedKey });
            await recordAudit(tx, {
              actorId: SYSTEM_ACTOR,
              action: "credential.revoked",
              teamId: app.teamId,
              app,
              credentialId: cred.id,
              environment: cred.environment,
              reason: "access_review_unanswered",
              details: { reviewId },
              at: now,
            });
          }
        } else outcome = "unanswered";
        if (outcome === "unanswered" || outcome === "revoked_unanswered") {
          await recordAudit(tx, {
            actorId: SYSTEM_ACTOR,
            action: "review.unanswered",
            teamId: app.teamId,
            app,
            credentialId: cred.id,
            environment: cred.environment,
            details: { reviewId, revoked: outcome === "revoked_unanswered" },
            at: now,
          });
        }
        await tx.accessReviewItem.update({
          where: { reviewId_credentialId: { reviewId, credentialId: item.credentialId } },
          data: { outcome },
        });
        if (outcome === "kept") entry.kept.push(cred.id);
        if (outcome === "revoked") entry.revoked.push(cred.id);
        if (outcome === "unanswered") entry.unanswered.push(cred.id);
        if (outcome === "revoked_unanswered") entry.enforced.push(cred.id);
      }
      await tx.accessReview.update({ where: { id: reviewId }, data: { closedAt: now } });
      const list = [...out.values()].sort((a, b) => a.app.title.localeCompare(b.app.title) || a.app.id.localeCompare(b.app.id));
      const sum = (k: "kept" | "revoked" | "unanswered" | "enforced") => list.reduce((n, a) => n + a[k].length, 0);
      await recordAudit(tx, {
        actorId: SYSTEM_ACTOR,
        action: "review.closed",
        details: {
          reviewId,
          apps: list.length,
          kept: sum("kept"),
          revoked: sum("revoked"),
          unanswered: sum("unanswered"),
          revokedUnanswered: sum("enforced"),
        },
        at: now,
      });
      return { reviewId, slot: review.slot, enforced: review.enforced, apps: list, revokedKeys };
    });
  }

  /** A closed review's outcome, for a summary posted after the close (a retry after a failed post). */
  async closedSummary(reviewId: string): Promise<CloseResult | undefined> {
    const review = await this.db.accessReview.findUnique({ where: { id: reviewId } });
    if (!review?.closedAt) return undefined;
    const items = await this.db.accessReviewItem.findMany({ where: { reviewId }, orderBy: [{ appId: "asc" }, { credentialId: "asc" }] });
    const apps = await this.db.app.findMany({
      where: { id: { in: [...new Set(items.map((i) => i.appId))] } },
      select: { id: true, publicId: true, title: true, teamId: true, owners: { select: { userId: true } } },
    });
    const list: ClosedApp[] = apps
      .map((a) => {
        const mine = items.filter((i) => i.appId === a.id);
        const of = (o: string) => mine.filter((i) => i.outcome === o).map((i) => i.credentialId);
        return {
          app: { id: a.id, publicId: a.publicId, title: a.title, teamId: a.teamId },
          kept: of("kept"),
          revoked: of("revoked"),
          unanswered: of("unanswered"),
          enforced: of("revoked_unanswered"),
          owners: a.owners.map((o) => o.userId),
        };
      })
      .sort((a, b) => a.app.title.localeCompare(b.app.title) || a.app.id.localeCompare(b.app.id));
    return { reviewId, slot: review.slot, enforced: review.enforced, apps: list, revokedKeys: [] };
  }

  /** Closed reviews whose summary may still be unposted (the caller's claims decide). */
  async recentlyClosed(now: Date): Promise<Array<{ id: string }>> {
    return this.db.accessReview.findMany({
      where: { closedAt: { gte: new Date(now.getTime() - 7 * DAY_MS) } },
      select: { id: true },
      orderBy: { closedAt: "asc" },
    });
  }
}
