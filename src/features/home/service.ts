import type { PrismaClient } from "../../generated/prisma/client.js";
import type { Actor } from "../apps/access.js";
import { isDueForRotation } from "../rotation/due.js";

export interface HomeCard {
  publicId: string;
  title: string;
  description: string;
  activeKeys: number;
  dueForRotation: number;
  /** Handles of the user groups owning the app. */
  teams?: string[];
}

/** What the App Home tab shows, and whose tab a change to an app redraws. */
export class HomeService {
  constructor(private readonly db: PrismaClient) {}

  cards(actor: Actor, p: { now: Date; rotationDays: number; limit: number }): Promise<{ cards: HomeCard[]; total: number }> {
    return homeCards(this.db, actor, p);
  }

  /** The app's workspace and current owners (none when it is gone). */
  async owners(appId: string): Promise<{ teamId: string; userIds: string[] }> {
    const app = await this.db.app.findUnique({ where: { id: appId }, select: { teamId: true, owners: { select: { userId: true } } } });
    return app ? { teamId: app.teamId, userIds: app.owners.map((o) => o.userId) } : { teamId: "", userIds: [] };
  }
}

/**
 * The App Home cards of the actor's own apps (owned or co-owned), newest first. Only the first
 * `limit` apps are loaded in full; `total` counts them all.
 */
async function homeCards(
  db: PrismaClient,
  actor: Actor,
  p: { now: Date; rotationDays: number; limit: number },
): Promise<{ cards: HomeCard[]; total: number }> {
  const where = { teamId: actor.teamId, archivedAt: null, owners: { some: { userId: actor.userId } } };
  const [total, apps] = await Promise.all([
    db.app.count({ where }),
    db.app.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: p.limit,
      select: {
        id: true,
        publicId: true,
        title: true,
        description: true,
        teams: {
          where: { group: { removedAt: null } },
          select: { group: { select: { id: true, handle: true } } },
          orderBy: { createdAt: "asc" },
        },
      },
    }),
  ]);
  const creds = apps.length
    ? await db.credential.findMany({
        where: { appId: { in: apps.map((a) => a.id) }, status: "ACTIVE" },
        select: { appId: true, status: true, createdAt: true, snoozedUntil: true, revokeAt: true, rotateBy: true },
      })
    : [];
  const byApp = new Map<string, typeof creds>();
  for (const c of creds) byApp.set(c.appId, [...(byApp.get(c.appId) ?? []), c]);
  const cards = apps.map((a) => {
    const mine = byApp.get(a.id) ?? [];
    return {
      publicId: a.publicId,
      title: a.title,
      description: a.description,
      activeKeys: mine.length,
      dueForRotation: mine.filter((c) => isDueForRotation(c, p.rotationDays, p.now)).length,
      teams: a.teams.map((t) => t.group.handle || t.group.id),
    };
  });
  return { cards, total };
}
