import type { Prisma, PrismaClient } from "../../generated/prisma/client.js";
import { canManage, type Actor } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError, isUniqueViolation } from "../../shared/errors.js";
import { syncTeamOwners } from "../teams/membership.js";

export const USER_ID_PATTERN = /^[UW][A-Z0-9]{2,}$/;

export type AppWithOwners = Prisma.AppGetPayload<{ include: { owners: true } }>;
export type OwnerRow = Prisma.AppOwnerGetPayload<object>;
/** What lists of owners need of a row (team rows carry viaGroupId). */
export type OwnerLike = Pick<OwnerRow, "userId" | "role" | "addedBy" | "createdAt"> & { viaGroupId?: string | null };

export interface OwnerChange {
  app: AppWithOwners;
  userId: string;
}

/** The creator first, then co-owners in the order they were added. */
export function sortOwners<T extends OwnerLike>(app: { ownerId: string }, owners: T[]): T[] {
  return [...owners].sort((a, b) => {
    const ao = a.userId === app.ownerId || a.role === "owner" ? 0 : 1;
    const bo = b.userId === app.ownerId || b.role === "owner" ? 0 : 1;
    return ao - bo || a.createdAt.getTime() - b.createdAt.getTime() || a.userId.localeCompare(b.userId);
  });
}

/** Owners in their own name (creator, co-owners); team members' derived rows are role "team". */
export function isPersonal(owner: Pick<OwnerRow, "role">): boolean {
  return owner.role !== "team";
}

export function isOriginalOwner(app: { ownerId: string }, owner: Pick<OwnerRow, "userId" | "role">): boolean {
  return owner.userId === app.ownerId || owner.role === "owner";
}

const shareDenied = () => new DomainError("owners.forbidden", {});

/**
 * Co-owners: who may manage an app besides its creator. Every change re-checks, inside its
 * transaction, that the actor may manage the app, whatever button or command led to it.
 */
export class OwnerService {
  constructor(
    private readonly db: PrismaClient,
    private readonly clock: Clock,
  ) {}

  /** The app (by its internal id) with its owners, if the actor may manage it. */
  async forActor(actor: Actor, appId: string): Promise<AppWithOwners> {
    const app = await this.db.app.findUnique({ where: { id: appId }, include: { owners: true } });
    if (!app || app.archivedAt || app.teamId !== actor.teamId) throw new DomainError("app.gone", {});
    if (!canManage(actor, app)) throw shareDenied();
    return app;
  }

  /** Checks that can be made before anything is sent to Slack; the transaction repeats them. */
  precheckAdd(actor: Actor, app: AppWithOwners, userId: string): void {
    if (!USER_ID_PATTERN.test(userId)) throw new DomainError("owners.not_a_user", {});
    if (!canManage(actor, app)) throw shareDenied();
    // A team member may still be made a co-owner in their own name (they stay if they leave the team).
    const existing = app.owners.find((o) => o.userId === userId && isPersonal(o));
    if (existing) {
      throw new DomainError(isOriginalOwner(app, existing) ? "owners.already_owner" : "owners.already_co_owner", { userId });
    }
  }

  async addCoOwner(actor: Actor, appId: string, userId: string): Promise<OwnerChange> {
    const now = this.clock();
    try {
      return await this.db.$transaction(async (tx) => {
        const app = await loadForChange(tx, actor, appId);
        this.precheckAdd(actor, app, userId);
        const data = { role: "co-owner", viaGroupId: null, addedBy: actor.userId, createdAt: now };
        const viaTeam = app.owners.some((o) => o.userId === userId && !isPersonal(o));
        const owner = viaTeam
          ? await tx.appOwner.update({ where: { appId_userId: { appId: app.id, userId } }, data })
          : await tx.appOwner.create({ data: { appId: app.id, userId, ...data } });
        await recordAudit(tx, {
          actorId: actor.userId,
          action: "app.owner_added",
          teamId: app.teamId,
          app,
          details: { userId },
          at: now,
        });
        return { app: { ...app, owners: [...app.owners.filter((o) => o.userId !== userId), owner] }, userId };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError("owners.added_meanwhile", { userId });
      throw err;
    }
  }

  async removeCoOwner(actor: Actor, appId: string, userId: string): Promise<OwnerChange> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      const app = await loadForChange(tx, actor, appId);
      const target = app.owners.find((o) => o.userId === userId && isPersonal(o));
      if (!target) throw new DomainError("owners.not_co_owner", { userId });
      if (isOriginalOwner(app, target)) throw new DomainError("owners.original_owner", { userId });
      const gone = await tx.appOwner.deleteMany({ where: { appId: app.id, userId, role: "co-owner" } });
      if (gone.count === 0) throw new DomainError("owners.not_co_owner", { userId });
      // Still a member of an owning team: they keep owning it through the team.
      const { added } = await syncTeamOwners(tx, [app.id], now);
      await recordAudit(tx, {
        actorId: actor.userId,
        action: "app.owner_removed",
        teamId: app.teamId,
        app,
        details: { userId },
        at: now,
      });
      const stays = added.some((r) => r.userId === userId);
      const owners = app.owners.filter((o) => o.userId !== userId);
      return {
        app: { ...app, owners: stays ? [...owners, { ...target, role: "team", viaGroupId: null }] : owners },
        userId,
      };
    });
  }
}

async function loadForChange(tx: Prisma.TransactionClient, actor: Actor, appId: string): Promise<AppWithOwners> {
  const app = await tx.app.findUnique({ where: { id: appId }, include: { owners: true } });
  if (!app || app.archivedAt || app.teamId !== actor.teamId) throw new DomainError("app.gone", {});
  if (!canManage(actor, app)) throw shareDenied();
  return app;
}
