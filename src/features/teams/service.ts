import type { Prisma, PrismaClient } from "../../generated/prisma/client.js";
import { canManage, type Actor } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import { lockForTransaction } from "../../platform/db/xact-lock.js";
import { changesByApp, syncTeamOwners } from "./membership.js";

/** Who changes things nobody clicked: Slack events, the daily refresh, offboarding. */
export const SYSTEM_ACTOR = "AppKeys";
export const GROUP_ID_PATTERN = /^S[A-Z0-9]{2,}$/;

/** A user group as Slack described it just now. */
export interface GroupSnapshot {
  groupId: string;
  teamId: string;
  /** Without the "@"; empty when unknown (the cached one is kept). */
  handle: string;
  name?: string;
  members: string[];
}

export interface AppRef {
  id: string;
  publicId: string;
  title: string;
  teamId: string;
}

export interface TeamInfo {
  groupId: string;
  handle: string;
  name: string;
  members: number;
}

export interface MembershipResult {
  /** Apps whose owners changed, with who gained and lost ownership. */
  apps: Array<{ app: AppRef; added: string[]; removed: string[] }>;
  /** Apps left with neither a person nor a team (a team removed). */
  orphans: AppRef[];
}

const appRef = { id: true, publicId: true, title: true, teamId: true } as const;

/** "@handle", or the group id while its handle is unknown. */
export function teamName(g: { handle: string; id?: string; groupId?: string }): string {
  return g.handle ? `@${g.handle}` : (g.groupId ?? g.id ?? "a team");
}

/**
 * Slack user groups owning apps. Membership is cached (user_group_member) and turned into owner
 * rows by syncTeamOwners; every change is audited per app, in the transaction that makes it.
 */
export class TeamService {
  constructor(
    private readonly db: PrismaClient,
    private readonly clock: Clock,
  ) {}

  /** Makes group `g` an owner of the app. Its members are the ones Slack just gave. */
  async addTeam(actor: Actor, appId: string, g: GroupSnapshot): Promise<{ app: AppRef; handle: string; members: number }> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      const app = await loadManaged(tx, actor, appId);
      await lockForTransaction(tx, `group:${g.groupId}`);
      const existing = await tx.appTeam.findUnique({ where: { appId_groupId: { appId, groupId: g.groupId } } });
      const handle = (await this.upsertGroup(tx, g, now)) || g.groupId;
      if (existing) throw new DomainError("teams.already_owner", { handle });
      await tx.appTeam.create({ data: { appId, groupId: g.groupId, addedBy: actor.userId, createdAt: now } });
      const result = await this.replaceMembers(tx, g, now, appId);
      await recordAudit(tx, {
        actorId: actor.userId,
        action: "app.team_added",
        teamId: app.teamId,
        app,
        details: {
          team: `@${handle}`,
          groupId: g.groupId,
          members: g.members.length,
          ownersAdded: result.apps.find((a) => a.app.id === appId)?.added ?? [],
        },
        at: now,
      });
      return { app, handle, members: g.members.length };
    });
  }

  async removeTeam(actor: Actor, appId: string, groupId: string): Promise<{ app: AppRef; handle: string; removed: string[] }> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      const app = await loadManaged(tx, actor, appId);
      const link = await tx.appTeam.findUnique({ where: { appId_groupId: { appId, groupId } }, include: { group: true } });
      if (!link) {
        const g = await tx.userGroup.findUnique({ where: { id: groupId } });
        throw new DomainError("teams.not_owner", { handle: g ? teamName(g) : groupId });
      }
      const handle = teamName(link.group).replace(/^@/, "");
      const [people, otherTeams] = await Promise.all([
        tx.appOwner.count({ where: { appId, role: { not: "team" } } }),
        tx.appTeam.count({ where: { appId, groupId: { not: groupId }, group: { removedAt: null } } }),
      ]);
      if (people === 0 && otherTeams === 0) throw new DomainError("teams.last_owner", { handle });
      await tx.appTeam.delete({ where: { appId_groupId: { appId, groupId } } });
      const { removed } = await syncTeamOwners(tx, [appId], now);
      await recordAudit(tx, {
        actorId: actor.userId,
        action: "app.team_removed",
        teamId: app.teamId,
        app,
        details: { team: `@${handle}`, groupId, ownersRemoved: removed.map((r) => r.userId) },
        at: now,
      });
      return { app, handle, removed: removed.map((r) => r.userId) };
    });
  }

  /** Slack says these are the group's members now (event or daily refresh). */
  async applyMembership(g: GroupSnapshot): Promise<MembershipResult> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      await lockForTransaction(tx, `group:${g.groupId}`);
      const known = await tx.userGroup.findUnique({ where: { id: g.groupId } });
      if (!known) return { apps: [], orphans: [] }; // not a group AppKeys cares about
      const handle = await this.upsertGroup(tx, g, now);
      return this.replaceMembers(tx, { ...g, handle }, now);
    });
  }

  /** The group was deleted or disabled in Slack: it owns nothing any more. */
  async markRemoved(groupId: string): Promise<MembershipResult & { handle: string }> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      await lockForTransaction(tx, `group:${groupId}`);
      const group = await tx.userGroup.findUnique({ where: { id: groupId } });
      if (!group) return { apps: [], orphans: [], handle: groupId };
      const links = await tx.appTeam.findMany({ where: { groupId }, include: { app: { select: appRef } } });
      await tx.userGroup.update({ where: { id: groupId }, data: { removedAt: group.removedAt ?? now, lastError: null } });
      await tx.appTeam.deleteMany({ where: { groupId } });
      await tx.userGroupMember.deleteMany({ where: { groupId } });
      const appIds = links.map((l) => l.appId);
      const byApp = changesByApp(await syncTeamOwners(tx, appIds, now));
      for (const l of links) {
        await recordAudit(tx, {
          actorId: SYSTEM_ACTOR,
          action: "app.team_removed",
          teamId: l.app.teamId,
          app: l.app,
          reason: "the user group was removed in Slack",
          details: { team: teamName(group), groupId, ownersRemoved: byApp.get(l.appId)?.removed ?? [] },
          at: now,
        });
      }
      const orphans = await orphanedApps(tx, appIds);
      return {
        handle: teamName(group),
        apps: links.map((l) => ({ app: l.app, added: [], removed: byApp.get(l.appId)?.removed ?? [] })),
        orphans,
      };
    });
  }

  /** Records that reading the group failed (kept for the next refresh; the cached members stay). */
  async recordError(groupId: string, error: string): Promise<void> {
    await this.db.userGroup.updateMany({ where: { id: groupId }, data: { lastError: error.slice(0, 200) } });
  }

  /** Groups owning at least one live app: the ones the daily refresh reads. */
  async groupsToRefresh(): Promise<Array<{ id: string; teamId: string; handle: string }>> {
    return this.db.userGroup.findMany({
      where: { removedAt: null, apps: { some: { app: { archivedAt: null } } } },
      select: { id: true, teamId: true, handle: true },
      orderBy: { id: "asc" },
    });
  }

  /** Whether AppKeys caches this group (events about other groups are ignored). */
  async isKnown(groupId: string): Promise<boolean> {
    return (await this.db.userGroup.count({ where: { id: groupId, removedAt: null } })) > 0;
  }

  /** The teams owning each app, in the order they were added. */
  teamsOf(appIds: string[]): Promise<Map<string, TeamInfo[]>> {
    return loadTeams(this.db, appIds);
  }

  private async upsertGroup(tx: Prisma.TransactionClient, g: GroupSnapshot, now: Date): Promise<string> {
    const row = await tx.userGroup.upsert({
      where: { id: g.groupId },
      create: { id: g.groupId, teamId: g.teamId, handle: g.handle, name: g.name ?? "", syncedAt: now },
      update: {
        ...(g.handle ? { handle: g.handle } : {}),
        ...(g.name ? { name: g.name } : {}),
        syncedAt: now,
        removedAt: null,
        lastError: null,
      },
    });
    return row.handle;
  }

  /** Replaces the cached members, recomputes the owner rows of the group's apps, audits per app. */
  private async replaceMembers(tx: Prisma.TransactionClient, g: GroupSnapshot, now: Date, quietApp?: string): Promise<MembershipResult> {
    // Only what changed is written; an unchanged group recomputes nothing but the app just added.
    const members = new Set(g.members);
    const cached = new Set(
      (await tx.userGroupMember.findMany({ where: { groupId: g.groupId }, select: { userId: true } })).map((m) => m.userId),
    );
    const gone = [...cached].filter((u) => !members.has(u));
    const fresh = [...members].filter((u) => !cached.has(u));
    if (gone.length) await tx.userGroupMember.deleteMany({ where: { groupId: g.groupId, userId: { in: gone } } });
    if (fresh.length) {
      await tx.userGroupMember.createMany({ data: fresh.map((userId) => ({ groupId: g.groupId, userId })), skipDuplicates: true });
    }
    const changed = gone.length > 0 || fresh.length > 0;
    const links = await tx.appTeam.findMany({ where: { groupId: g.groupId }, include: { app: { select: appRef } } });
    const others = links.filter((l) => l.appId !== quietApp).map((l) => l.appId);
    // The app just added takes every member; the group's other apps only the people who changed.
    const synced = [
      ...(quietApp ? [await syncTeamOwners(tx, [quietApp], now)] : []),
      ...(changed ? [await syncTeamOwners(tx, others, now, [...gone, ...fresh])] : []),
    ];
    const byApp = changesByApp({ added: synced.flatMap((x) => x.added), removed: synced.flatMap((x) => x.removed) });
    const apps: MembershipResult["apps"] = [];
    for (const l of links) {
      const change = byApp.get(l.appId);
      if (!change) continue;
      apps.push({ app: l.app, ...change });
      if (l.appId === quietApp) continue; // audited by the caller
      await recordAudit(tx, {
        actorId: SYSTEM_ACTOR,
        action: "app.team_members_changed",
        teamId: l.app.teamId,
        app: l.app,
        details: { team: g.handle ? `@${g.handle}` : g.groupId, ownersAdded: change.added, ownersRemoved: change.removed },
        at: now,
      });
    }
    return { apps, orphans: [] };
  }
}

/** The teams owning each app (live groups), in the order they were added. */
export async function loadTeams(db: PrismaClient, appIds: string[]): Promise<Map<string, TeamInfo[]>> {
  const links = appIds.length
    ? await db.appTeam.findMany({
        where: { appId: { in: appIds }, group: { removedAt: null } },
        include: { group: { select: { id: true, handle: true, name: true, _count: { select: { members: true } } } } },
        orderBy: [{ createdAt: "asc" }, { groupId: "asc" }],
      })
    : [];
  const out = new Map<string, TeamInfo[]>();
  for (const l of links) {
    const list = out.get(l.appId) ?? [];
    list.push({ groupId: l.groupId, handle: l.group.handle, name: l.group.name, members: l.group._count.members });
    out.set(l.appId, list);
  }
  return out;
}

async function loadManaged(tx: Prisma.TransactionClient, actor: Actor, appId: string): Promise<AppRef> {
  const app = await tx.app.findUnique({ where: { id: appId }, include: { owners: true } });
  if (!app || app.archivedAt || app.teamId !== actor.teamId) throw new DomainError("app.gone", {});
  if (!canManage(actor, app)) throw new DomainError("owners.forbidden", {});
  return { id: app.id, publicId: app.publicId, title: app.title, teamId: app.teamId };
}

/** Live apps among `appIds` with neither an owner row nor a live owning team. */
export async function orphanedApps(tx: Prisma.TransactionClient, appIds: string[]): Promise<AppRef[]> {
  if (appIds.length === 0) return [];
  return tx.app.findMany({
    where: { id: { in: appIds }, archivedAt: null, owners: { none: {} }, teams: { none: { group: { removedAt: null } } } },
    select: appRef,
    orderBy: [{ title: "asc" }, { id: "asc" }],
  });
}
