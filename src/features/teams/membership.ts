import { Prisma } from "../../generated/prisma/client.js";

/**
 * Team ownership is materialised: every member of a group owning an app gets an app_owner row
 * with role "team" (unless they own it in their own name already), so every owner check, list,
 * reminder and Home tab counts them without knowing about teams. This recomputes those rows for
 * `appIds` from app_team, the cached membership (user_group_member) and departed people, in
 * three statements, and returns what changed. Idempotent: a second call changes nothing.
 */
export interface OwnerRowChange {
  appId: string;
  userId: string;
}

export async function syncTeamOwners(
  tx: Prisma.TransactionClient,
  appIds: string[],
  now: Date,
  /** Only these people can have changed (a membership diff): the statements touch only their rows. */
  onlyUsers?: string[],
): Promise<{ added: OwnerRowChange[]; removed: OwnerRowChange[] }> {
  if (appIds.length === 0 || onlyUsers?.length === 0) return { added: [], removed: [] };
  const ownerUser = onlyUsers ? Prisma.sql`AND o."userId" = ANY(${onlyUsers}::text[])` : Prisma.empty;
  const memberUser = onlyUsers ? Prisma.sql`AND m."userId" = ANY(${onlyUsers}::text[])` : Prisma.empty;
  const removed = await tx.$queryRaw<OwnerRowChange[]>`
    DELETE FROM app_owner o
    WHERE o.role = 'team' AND o."appId" = ANY(${appIds}::text[]) ${ownerUser}
      AND (NOT EXISTS (
             SELECT 1 FROM app_team t
             JOIN user_group g ON g.id = t."groupId" AND g."removedAt" IS NULL
             JOIN user_group_member m ON m."groupId" = t."groupId" AND m."userId" = o."userId"
             WHERE t."appId" = o."appId")
           OR EXISTS (SELECT 1 FROM departed_user d WHERE d."userId" = o."userId"))
    RETURNING o."appId", o."userId"`;
  // A row pointing at a group the person left, while another owning group still has them.
  await tx.$executeRaw`
    UPDATE app_owner o SET "viaGroupId" = (
      SELECT t."groupId" FROM app_team t
      JOIN user_group g ON g.id = t."groupId" AND g."removedAt" IS NULL
      JOIN user_group_member m ON m."groupId" = t."groupId" AND m."userId" = o."userId"
      WHERE t."appId" = o."appId" ORDER BY t."createdAt", t."groupId" LIMIT 1)
    WHERE o.role = 'team' AND o."appId" = ANY(${appIds}::text[]) ${ownerUser}
      AND NOT EXISTS (
        SELECT 1 FROM app_team t JOIN user_group_member m ON m."groupId" = t."groupId" AND m."userId" = o."userId"
        WHERE t."appId" = o."appId" AND t."groupId" = o."viaGroupId")`;
  const added = await tx.$queryRaw<OwnerRowChange[]>`
    INSERT INTO app_owner ("appId", "userId", role, "viaGroupId", "addedBy", "createdAt")
    SELECT DISTINCT ON (t."appId", m."userId") t."appId", m."userId", 'team', t."groupId", t."addedBy", ${now}::timestamp
    FROM app_team t
    JOIN user_group g ON g.id = t."groupId" AND g."removedAt" IS NULL
    JOIN user_group_member m ON m."groupId" = t."groupId"
    WHERE t."appId" = ANY(${appIds}::text[]) ${memberUser}
      AND NOT EXISTS (SELECT 1 FROM departed_user d WHERE d."userId" = m."userId")
    ORDER BY t."appId", m."userId", t."createdAt", t."groupId"
    ON CONFLICT ("appId", "userId") DO NOTHING
    RETURNING "appId", "userId"`;
  return { added, removed };
}

/** Groups the changes by app: `{ appId → { added, removed } }`. */
export function changesByApp(c: {
  added: OwnerRowChange[];
  removed: OwnerRowChange[];
}): Map<string, { added: string[]; removed: string[] }> {
  const out = new Map<string, { added: string[]; removed: string[] }>();
  const get = (appId: string) => {
    const e = out.get(appId) ?? { added: [], removed: [] };
    out.set(appId, e);
    return e;
  };
  for (const r of c.added) get(r.appId).added.push(r.userId);
  for (const r of c.removed) get(r.appId).removed.push(r.userId);
  for (const e of out.values()) {
    e.added.sort();
    e.removed.sort();
  }
  return out;
}
