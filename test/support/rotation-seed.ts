// Bulk test data for rotation tests and the sweep benchmark: apps, owners and credentials written
// straight to the database (the flows that create them one by one are tested elsewhere).
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../src/generated/prisma/client.js";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function base62(n: number): string {
  const bytes = randomBytes(n);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % 62];
  return s;
}

const TAG = { development: "dev", staging: "stg", production: "prod" } as const;
export type Env = keyof typeof TAG;

export async function seedApp(
  db: PrismaClient,
  p: { title: string; owner: string; coOwners?: string[]; teamId?: string; createdAt?: Date },
) {
  const at = p.createdAt ?? new Date();
  return db.app.create({
    data: {
      publicId: `app_${base62(12)}`,
      teamId: p.teamId ?? "T0001",
      title: p.title,
      titleKey: p.title.toLowerCase(),
      ownerId: p.owner,
      createdAt: at,
      owners: {
        create: [
          { userId: p.owner, role: "owner", addedBy: p.owner, createdAt: at },
          ...(p.coOwners ?? []).map((u) => ({ userId: u, role: "co-owner", addedBy: p.owner, createdAt: at })),
        ],
      },
    },
  });
}

export async function seedCredential(
  db: PrismaClient,
  p: { appId: string; createdAt: Date; environment?: Env; label?: string; lastUsedAt?: Date | null; createdBy?: string },
) {
  const env = p.environment ?? "development";
  return db.credential.create({
    data: {
      id: `cred_${base62(12)}`,
      appId: p.appId,
      environment: env,
      label: p.label ?? "",
      sharedKey: `ak_${TAG[env]}_${base62(30)}`,
      secretHash: `sha256:${randomBytes(32).toString("hex")}`,
      secretLast4: base62(4),
      createdAt: p.createdAt,
      createdBy: p.createdBy ?? "USEED0001",
      lastUsedAt: p.lastUsedAt ?? null,
    },
  });
}

/**
 * `apps` apps with `owners` distinct owners (round robin) and `perApp` credentials each, created
 * `ageDays` days before `now` spread over `spreadDays` days, with a few SQL statements.
 */
export async function seedBulk(
  db: PrismaClient,
  p: { apps: number; perApp: number; owners: number; now: Date; ageDays: number; spreadDays: number; prefix?: string },
): Promise<void> {
  const prefix = p.prefix ?? base62(4);
  await db.$executeRawUnsafe(
    `INSERT INTO app (id, "publicId", "teamId", title, "titleKey", "ownerId", "createdAt", "updatedAt")
     SELECT '${prefix}-app-' || g, 'app_' || lpad(g::text, 8, '0') || '${prefix.slice(0, 4)}', 'T0001', 'Bench app ' || g, 'bench app ' || g,
            'UO' || lpad((g % ${p.owners})::text, 6, '0'), now(), now()
     FROM generate_series(1, ${p.apps}) AS g`,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO app_owner ("appId", "userId", role, "addedBy", "createdAt")
     SELECT id, "ownerId", 'owner', "ownerId", now() FROM app WHERE id LIKE '${prefix}-app-%'`,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO credential (id, "appId", environment, label, "sharedKey", "secretHash", "secretLast4", status, "createdAt", "createdBy", "lastUsedAt")
     SELECT 'cred_${prefix}' || lpad(g::text, 8, '0'), '${prefix}-app-' || (1 + (g % ${p.apps})),
            (ARRAY['development','staging','production'])[1 + g % 3]::"Environment", '',
            'ak_dev_${prefix}' || lpad(g::text, 26, '0'), 'sha256:x', 'abcd', 'ACTIVE',
            $1::timestamp - make_interval(days => ${p.ageDays}) + make_interval(secs => ((g::bigint * 7919) % ${Math.max(1, p.spreadDays * 86400)})::int),
            'USEED0001', CASE WHEN g % 4 = 0 THEN NULL ELSE $1::timestamp END
     FROM generate_series(1, ${p.apps * p.perApp}) AS g`,
    p.now,
  );
}
