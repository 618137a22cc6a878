/**
 * The credential index's database reads, in raw SQL over one connection (Prisma's row mapping
 * costs seconds on a million rows): a full load in pages, the changes since a snapshot, and a
 * few keys by shared key. Every read returns the same record: the credential, its app's public
 * id and archived flag, and the app's endpoint ids.
 *
 * Changes since a snapshot: triggers stamp "changeTxid" (the writing transaction's id) on
 * credential and app rows, and on the app when its endpoints change (migration
 * 20261129070913_verify_change_txid). A row whose stamp is not visible in the previous
 * snapshot changed since; taking the new snapshot *before* reading the changes makes the
 * sequence gap-free (a transaction still running then is not visible in it, so the next read
 * catches it).
 */
import type { Database } from "../../platform/db/database.js";
import type { Environment } from "../credentials/key-format.js";

/** What verification needs to know about one credential, as read from the database. */
export interface CredentialRecord {
  sharedKey: string;
  credentialId: string;
  appPublicId: string;
  environment: Environment;
  secretHash: string;
  status: "ACTIVE" | "REVOKED";
  /** End of the grace period (epoch ms), if one is set. */
  revokeAtMs: number | null;
  appArchived: boolean;
  /** The app's endpoint ids, sorted, comma-separated (ids never contain commas); "" for none. */
  endpoints: string;
}

/** Where records come from: the database (sqlCredentialStore) or, in unit tests, a map. */
export interface CredentialStore {
  /** An opaque snapshot token (pg_current_snapshot()) to pass to changedSince() later. */
  snapshot(): Promise<string>;
  /** How many credentials exist (to size the index). */
  count(): Promise<number>;
  /** Up to `limit` records with credential id > `after` (id order); "" starts at the beginning. */
  page(after: string, limit: number): Promise<CredentialRecord[]>;
  /** Records of credentials (or of their apps) written by transactions not visible in `snapshot`. */
  changedSince(snapshot: string): Promise<CredentialRecord[]>;
  /** Records for those of `sharedKeys` that exist, in any order. */
  findMany(sharedKeys: string[]): Promise<CredentialRecord[]>;
}

interface Row {
  id: string;
  sharedKey: string;
  environment: Environment;
  secretHash: string;
  status: "ACTIVE" | "REVOKED";
  revokeAtMs: number | null;
  publicId: string;
  archived: boolean;
  endpoints: string;
}

// Timestamps travel as epoch milliseconds (float8): no driver time-zone parsing on the way.
const SELECT = `
  SELECT c.id, c."sharedKey", c.environment::text AS environment, c."secretHash", c.status::text AS status,
         (extract(epoch FROM c."revokeAt") * 1000)::float8 AS "revokeAtMs", a."publicId", (a."archivedAt" IS NOT NULL) AS archived,
         COALESCE((SELECT string_agg(ae."endpointId", ',' ORDER BY ae."endpointId") FROM app_endpoint ae WHERE ae."appId" = c."appId"), '') AS endpoints
  FROM credential c JOIN app a ON a.id = c."appId"`;

const toRecord = (r: Row): CredentialRecord => ({
  sharedKey: r.sharedKey,
  credentialId: r.id,
  appPublicId: r.publicId,
  environment: r.environment,
  secretHash: r.secretHash,
  status: r.status,
  revokeAtMs: r.revokeAtMs === null ? null : Number(r.revokeAtMs),
  appArchived: r.archived,
  endpoints: r.endpoints,
});

export function sqlCredentialStore(db: Pick<Database, "withConnection">): CredentialStore {
  const query = (sql: string, params: unknown[]) => db.withConnection((c) => c.query<Row>(sql, params));
  return {
    async snapshot() {
      const [row] = await db.withConnection((c) => c.query<{ s: string }>("SELECT pg_current_snapshot()::text AS s"));
      return row!.s;
    },
    async count() {
      const [row] = await db.withConnection((c) => c.query<{ n: number }>("SELECT count(*)::float8 AS n FROM credential"));
      return Number(row!.n);
    },
    async page(after, limit) {
      return (await query(`${SELECT} WHERE c.id > $1 ORDER BY c.id LIMIT $2`, [after, limit])).map(toRecord);
    },
    async changedSince(snapshot) {
      // xmin first, as a constant: both halves are index range scans on "changeTxid".
      const xmin = snapshot.slice(0, snapshot.indexOf(":"));
      const rows = await query(
        `${SELECT} WHERE c.id IN (
           SELECT id FROM credential WHERE "changeTxid" >= $2::xid8 AND NOT pg_visible_in_snapshot("changeTxid", $1::pg_snapshot)
           UNION
           SELECT c2.id FROM app a2 JOIN credential c2 ON c2."appId" = a2.id
           WHERE a2."changeTxid" >= $2::xid8 AND NOT pg_visible_in_snapshot(a2."changeTxid", $1::pg_snapshot))`,
        [snapshot, xmin],
      );
      return rows.map(toRecord);
    },
    async findMany(sharedKeys) {
      if (sharedKeys.length === 0) return [];
      return (await query(`${SELECT} WHERE c."sharedKey" = ANY($1::text[])`, [sharedKeys])).map(toRecord);
    },
  };
}
