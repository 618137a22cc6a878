import type { PrismaClient } from "../../generated/prisma/client.js";
import type { Actor } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import { lockForTransaction } from "../../platform/db/xact-lock.js";
import { SYSTEM_ACTOR, orphanedApps, type AppRef } from "../teams/service.js";
import { syncTeamOwners } from "../teams/membership.js";

const DAY_MS = 86_400_000;
const appRef = { id: true, publicId: true, title: true, teamId: true } as const;

export type DepartureSource = "event" | "reconcile";

export interface OffboardResult {
  /** The departure was handled before (an event retried, or the reconcile after the event). */
  already: boolean;
  /** Live apps they owned (in their name or through a team). */
  apps: AppRef[];
  /** Of those, the apps now left with neither a person nor a team. */
  orphans: Array<AppRef & { lastOwner: string }>;
  requestsCancelled: number;
  keysFlagged: number;
}

/**
 * People leaving: when Slack says an account is deactivated (user_change, or users.info in the
 * daily reconcile), they stop owning anything, their pending requests are cancelled, and the
 * keys they created or received are flagged for rotation by the remaining owners within
 * OFFBOARD_ROTATE_DAYS. One transaction, recorded in departed_user: handling the same departure
 * twice changes nothing the second time.
 */
export class OffboardingService {
  constructor(
    private readonly db: PrismaClient,
    private readonly clock: Clock,
    private readonly rotateDays: number,
  ) {}

  async offboard(userId: string, teamId: string, source: DepartureSource): Promise<OffboardResult> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      await lockForTransaction(tx, `user:${userId}`);
      const inserted = await tx.$executeRaw`
        INSERT INTO departed_user ("userId", "teamId", "departedAt", source) VALUES (${userId}, ${teamId}, ${now}::timestamp, ${source})
        ON CONFLICT ("userId") DO NOTHING`;
      if (inserted === 0) return { already: true, apps: [], orphans: [], requestsCancelled: 0, keysFlagged: 0 };

      const rows = await tx.appOwner.findMany({ where: { userId }, include: { app: { select: { ...appRef, archivedAt: true } } } });
      await tx.appOwner.deleteMany({ where: { userId } });
      await tx.userGroupMember.deleteMany({ where: { userId } });
      const live = rows.filter((r) => !r.app.archivedAt);
      for (const r of live) {
        await recordAudit(tx, {
          actorId: SYSTEM_ACTOR,
          action: "app.owner_departed",
          teamId: r.app.teamId,
          app: r.app,
          details: { userId, role: r.role, ...(r.viaGroupId ? { groupId: r.viaGroupId } : {}) },
          at: now,
        });
      }

      const pending = await tx.approval.findMany({
        where: { requesterId: userId, status: "PENDING" },
        include: { app: { select: appRef } },
      });
      for (const a of pending) {
        const done = await tx.approval.updateMany({
          where: { id: a.id, status: "PENDING" },
          data: { status: "CANCELLED", decidedAt: now, decidedBy: SYSTEM_ACTOR, decisionNote: "requester left" },
        });
        if (done.count === 0) continue;
        await recordAudit(tx, {
          actorId: SYSTEM_ACTOR,
          action: "approval.cancelled",
          teamId: a.app.teamId,
          app: a.app,
          credentialId: a.credentialId ?? undefined,
          reason: "the requester's account was deactivated",
          details: { approvalId: a.id, kind: a.kind, requesterId: userId },
          at: now,
        });
      }

      // Keys they created, or received through an approved request.
      const received = await tx.approval.findMany({
        where: { requesterId: userId, issuedCredentialId: { not: null } },
        select: { issuedCredentialId: true },
      });
      const receivedIds = received.map((r) => r.issuedCredentialId!).filter(Boolean);
      const keys = await tx.credential.findMany({
        where: {
          status: "ACTIVE",
          creatorLeftAt: null,
          app: { archivedAt: null },
          OR: [{ createdBy: userId }, { id: { in: receivedIds } }],
        },
        include: { app: { select: appRef } },
        orderBy: { id: "asc" },
      });
      const rotateBy = new Date(now.getTime() + this.rotateDays * DAY_MS);
      for (const k of keys) {
        await tx.credential.update({
          where: { id: k.id },
          data: { creatorLeftAt: now, rotateBy: k.rotateBy && k.rotateBy < rotateBy ? k.rotateBy : rotateBy },
        });
        await recordAudit(tx, {
          actorId: SYSTEM_ACTOR,
          action: "credential.creator_left",
          teamId: k.app.teamId,
          app: k.app,
          credentialId: k.id,
          environment: k.environment,
          details: { userId, rotateBy: rotateBy.toISOString() },
          at: now,
        });
      }

      const appIds = [...new Set(live.map((r) => r.appId))];
      const orphans = (await orphanedApps(tx, appIds)).map((a) => ({ ...a, lastOwner: userId }));
      for (const o of orphans) {
        await recordAudit(tx, {
          actorId: SYSTEM_ACTOR,
          action: "app.orphaned",
          teamId: o.teamId,
          app: o,
          details: { lastOwner: userId },
          at: now,
        });
      }
      await recordAudit(tx, {
        actorId: SYSTEM_ACTOR,
        action: "user.offboarded",
        teamId,
        details: {
          userId,
          source,
          apps: appIds.length,
          requestsCancelled: pending.length,
          keysFlagged: keys.length,
          appsWithoutOwner: orphans.length,
        },
        at: now,
      });
      const apps = [
        ...new Map(
          live.map((r) => [r.app.id, { id: r.app.id, publicId: r.app.publicId, title: r.app.title, teamId: r.app.teamId }]),
        ).values(),
      ];
      return { already: false, apps, orphans, requestsCancelled: pending.length, keysFlagged: keys.length };
    });
  }

  /**
   * The account is active again: the departure record goes, so team memberships count again
   * (from the next membership read). What offboarding removed is not given back by itself:
   * owners share the apps again, and flagged keys stay flagged.
   */
  async reactivated(userId: string): Promise<boolean> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      await lockForTransaction(tx, `user:${userId}`);
      const gone = await tx.departedUser.findUnique({ where: { userId } });
      if (!gone) return false;
      await tx.departedUser.delete({ where: { userId } });
      await recordAudit(tx, {
        actorId: SYSTEM_ACTOR,
        action: "user.reactivated",
        teamId: gone.teamId,
        details: { userId, departedAt: gone.departedAt.toISOString() },
        at: now,
      });
      return true;
    });
  }

  /** Whether this person was offboarded (and not reactivated since). */
  async isDeparted(userId: string): Promise<boolean> {
    return (await this.db.departedUser.count({ where: { userId } })) > 0;
  }

  /**
   * People the daily reconcile asks Slack about: everyone owning a live app (in their name or
   * through a team), then those offboarded in the last 30 days (a missed reactivation), in pages.
   */
  async knownPeople(after: string, limit: number): Promise<string[]> {
    const rows = await this.db.$queryRaw<Array<{ userId: string }>>`
      SELECT DISTINCT o."userId" FROM app_owner o JOIN app a ON a.id = o."appId" AND a."archivedAt" IS NULL
      WHERE o."userId" > ${after} ORDER BY o."userId" LIMIT ${limit}`;
    return rows.map((r) => r.userId);
  }

  async recentlyDeparted(now: Date): Promise<string[]> {
    const rows = await this.db.departedUser.findMany({
      where: { departedAt: { gte: new Date(now.getTime() - 30 * DAY_MS) } },
      select: { userId: true },
      orderBy: { userId: "asc" },
    });
    return rows.map((r) => r.userId);
  }

  /** "Take over": an admin becomes owner of an app left without one. */
  async takeOver(actor: Actor, publicId: string): Promise<AppRef> {
    if (!actor.isAdmin) throw new DomainError("offboarding.forbidden", {});
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      const app = await tx.app.findUnique({ where: { publicId }, select: { ...appRef, archivedAt: true } });
      if (!app || app.teamId !== actor.teamId) throw new DomainError("app.gone", {});
      if (app.archivedAt) throw new DomainError("app.already_archived", { title: app.title });
      await lockForTransaction(tx, `app-owners:${app.id}`);
      const [owners, teams] = await Promise.all([
        tx.appOwner.count({ where: { appId: app.id } }),
        tx.appTeam.count({ where: { appId: app.id, group: { removedAt: null } } }),
      ]);
      if (owners > 0 || teams > 0) throw new DomainError("offboarding.has_owner", { title: app.title });
      await tx.appOwner.create({ data: { appId: app.id, userId: actor.userId, role: "co-owner", addedBy: actor.userId, createdAt: now } });
      await recordAudit(tx, { actorId: actor.userId, action: "app.taken_over", teamId: app.teamId, app, at: now });
      await syncTeamOwners(tx, [app.id], now);
      return { id: app.id, publicId: app.publicId, title: app.title, teamId: app.teamId };
    });
  }

  /** Whether the app (by App ID) still has no owner: Archive asks before archiving. */
  async orphanByPublicId(actor: Actor, publicId: string): Promise<AppRef> {
    if (!actor.isAdmin) throw new DomainError("offboarding.forbidden", {});
    const app = await this.db.app.findUnique({ where: { publicId }, select: { ...appRef, archivedAt: true } });
    if (!app || app.teamId !== actor.teamId) throw new DomainError("app.gone", {});
    if (app.archivedAt) throw new DomainError("app.already_archived", { title: app.title });
    return { id: app.id, publicId: app.publicId, title: app.title, teamId: app.teamId };
  }
}
