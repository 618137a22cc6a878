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
  /**
   * Every credential, `pageSize` records at a time (each page awaited before the next is read).
   * Resolves to a snapshot such that every change not visible in it may be missing from the pages.
   */
  scan(pageSize: number, onPage: (rows: CredentialRecord[]) => Promise<void>): Promise<string>;
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

// The full scan: one pass with hash joins (the per-row endpoint subquery of SELECT costs
// seconds over a million rows), each row as one space-separated line: parsing a million rows
// of nine fields each is most of a load's time in the driver, one field is much cheaper.
// (No field holds a space: ids, keys and hashes are base62/hex, catalog ids [A-Za-z0-9._:-].)
const SCAN = `
  SELECT concat_ws(' ', c.id, c."sharedKey", c."secretHash",
           (CASE WHEN c.status = 'ACTIVE' THEN 0 ELSE 1 END) + (CASE WHEN a."archivedAt" IS NULL THEN 0 ELSE 2 END)
             + 4 * (CASE c.environment WHEN 'development' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END),
           COALESCE((extract(epoch FROM c."revokeAt") * 1000)::float8::text, '-'), a."publicId", COALESCE(e.endpoints, '')) AS line
  FROM credential c JOIN app a ON a.id = c."appId"
  LEFT JOIN (SELECT "appId", string_agg("endpointId", ',' ORDER BY "endpointId") AS endpoints FROM app_endpoint GROUP BY "appId") e
    ON e."appId" = c."appId"`;

const ENVIRONMENT_BY_CODE: readonly Environment[] = ["development", "staging", "production"];

function fromLine({ line }: { line: string }): CredentialRecord {
  const [id, sharedKey, secretHash, flags, revokeAtMs, publicId, endpoints] = line.split(" ") as string[];
  const f = Number(flags);
  return {
    sharedKey: sharedKey!,
    credentialId: id!,
    appPublicId: publicId!,
    environment: ENVIRONMENT_BY_CODE[f >> 2]!,
    secretHash: secretHash!,
    status: f & 1 ? "REVOKED" : "ACTIVE",
    revokeAtMs: revokeAtMs === "-" ? null : Number(revokeAtMs),
    appArchived: (f & 2) !== 0,
    endpoints: endpoints ?? "",
  };
}

export function sqlCredentialStore(db: Pick<Database, "withConnection" | "kind">): CredentialStore {
  const query = (sql: string, params: unknown[]) => db.withConnection((c) => c.query<Row>(sql, params));
  const snapshot = async () => {
    const [row] = await db.withConnection((c) => c.query<{ s: string }>("SELECT pg_current_snapshot()::text AS s"));
    return row!.s;
  };
  return {
    snapshot,
    async scan(pageSize, onPage) {
      if (db.kind === "pglite") {
        // One session shared by the whole process: pages by key, so other queries run between them.
        const from = await snapshot();
        for (let after = ""; ; ) {
          const rows = (await query(`${SELECT} WHERE c.id > $1 ORDER BY c.id LIMIT $2`, [after, pageSize])).map(toRecord);
          await onPage(rows);
          if (rows.length < pageSize) return from;
          after = rows[rows.length - 1]!.credentialId;
        }
      }
      // PostgreSQL: a cursor over one consistent snapshot, on a connection of its own.
      return db.withConnection(async (c) => {
        await c.exec(
          "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL cursor_tuple_fraction = 1; SET LOCAL work_mem = '64MB'; SET LOCAL jit = off",
        );
        try {
          const [row] = await c.query<{ s: string }>("SELECT pg_current_snapshot()::text AS s");
          await c.exec(`DECLARE verify_scan NO SCROLL CURSOR FOR ${SCAN}`);
          const fetch = () => c.query<{ line: string }>(`FETCH ${Math.max(1, Math.floor(pageSize))} FROM verify_scan`);
          // The next page is asked for before this one is indexed: the server reads while we index.
          let next: Promise<{ line: string }[]> | null = fetch();
          while (next) {
            const rows: { line: string }[] = await next;
            next = rows.length < pageSize ? null : fetch();
            await onPage(rows.map(fromLine)).catch(async (err: unknown) => {
              await next?.catch(() => undefined);
              throw err;
            });
          }
          await c.exec("COMMIT");
          return row!.s;
        } catch (err) {
          await c.exec("ROLLBACK").catch(() => undefined);
          throw err;
        }
      });
    },
    async count() {
      const [row] = await db.withConnection((c) => c.query<{ n: number }>("SELECT count(*)::float8 AS n FROM credential"));
      return Number(row!.n);
    },
    async changedSince(snapshot) {
      // xmin first, as a constant: both halves are index range scans on "changeTxid".
      const xmin = snapshot.slice(0, snapshot.indexOf(":"));
      const rows = await query(
        `${SELECT} WHERE c.id IN (
           SELECT id FROM credential WHERE "changeTxid" >= $2::bigint AND NOT pg_visible_in_snapshot("changeTxid"::text::xid8, $1::pg_snapshot)
           UNION
           SELECT c2.id FROM app a2 JOIN credential c2 ON c2."appId" = a2.id
           WHERE a2."changeTxid" >= $2::bigint AND NOT pg_visible_in_snapshot(a2."changeTxid"::text::xid8, $1::pg_snapshot))`,
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
