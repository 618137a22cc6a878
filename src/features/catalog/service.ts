import type { Database } from "../../platform/db/database.js";
import type { SqlExecutor } from "../../platform/db/migrate.js";
import { inTransaction, lockRawTransaction } from "../../platform/db/sql-transaction.js";
import type { Clock } from "../../shared/clock.js";
import type { CatalogEndpoint } from "./endpoint.js";

export interface EndpointRow {
  id: string;
  api: string;
  method: string;
  path: string;
  summary: string;
}

// Start-up runs on raw SQL: Prisma's query compiler (~60 ms to load, ~12 ms per new query shape)
// then stays off the path to ready. Timestamps are written as UTC, as Prisma writes them.
type SqlDatabase = Pick<Database, "withConnection">;
const UTC = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;
const INSERT_CHUNK = 500;

/** The digest of the catalog the database last synced (catalogDigest), if any. */
export async function syncedCatalogDigest(db: SqlDatabase): Promise<string | undefined> {
  const [row] = await db.withConnection((c) => c.query<{ digest: string }>(`SELECT digest FROM "catalog_sync" WHERE id = 1`));
  return row?.digest;
}

/**
 * Makes the endpoint table match the catalog: new endpoints added, changed ones updated,
 * missing ones retired (never deleted: apps keep their history), returning ones revived; and
 * records the catalog's digest. Replicas starting together each run this: the lock makes them
 * take turns, so each sees the previous one's result and the last catalog to be synced wins whole.
 */
export async function syncCatalog(
  db: SqlDatabase,
  catalog: CatalogEndpoint[],
  digest: string,
  clock: Clock,
): Promise<{ added: number; updated: number; retired: number }> {
  const now = clock().toISOString();
  return db.withConnection((conn) =>
    inTransaction(conn, async (tx) => {
      // A replica waiting for another's sync waits on the lock inside this transaction.
      await lockRawTransaction(tx, "catalog-sync");
      const existing = await tx.query<EndpointRow & { retired: boolean }>(
        `SELECT id, api, method, path, summary, "retiredAt" IS NOT NULL AS retired FROM "endpoint"`,
      );
      const byId = new Map(existing.map((e) => [e.id, e]));
      const wanted = new Set(catalog.map((e) => e.id));
      const toCreate = catalog.filter((e) => !byId.has(e.id));
      for (let i = 0; i < toCreate.length; i += INSERT_CHUNK) await insertEndpoints(tx, toCreate.slice(i, i + INSERT_CHUNK), now);
      let updated = 0;
      for (const e of catalog) {
        const cur = byId.get(e.id);
        if (!cur) continue;
        if (cur.api !== e.api || cur.method !== e.method || cur.path !== e.path || cur.summary !== e.summary || cur.retired) {
          await tx.query(
            `UPDATE "endpoint" SET api = $2, method = $3, path = $4, summary = $5, "retiredAt" = NULL, "updatedAt" = ${UTC(6)} WHERE id = $1`,
            [e.id, e.api, e.method, e.path, e.summary, now],
          );
          updated++;
        }
      }
      const gone = existing.filter((e) => !wanted.has(e.id) && !e.retired).map((e) => e.id);
      if (gone.length) {
        await tx.query(`UPDATE "endpoint" SET "retiredAt" = ${UTC(1)}, "updatedAt" = ${UTC(1)} WHERE id = ANY($2::text[])`, [now, gone]);
      }
      await tx.query(
        `INSERT INTO "catalog_sync" (id, digest, "syncedAt") VALUES (1, $1, ${UTC(2)})
         ON CONFLICT (id) DO UPDATE SET digest = EXCLUDED.digest, "syncedAt" = EXCLUDED."syncedAt"`,
        [digest, now],
      );
      return { added: toCreate.length, updated, retired: gone.length };
    }),
  );
}

async function insertEndpoints(tx: SqlExecutor, rows: CatalogEndpoint[], now: string): Promise<void> {
  if (!rows.length) return;
  const params: unknown[] = [now];
  const values = rows.map((e) => {
    const at = params.length;
    params.push(e.id, e.api, e.method, e.path, e.summary);
    return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, ${UTC(1)}, ${UTC(1)})`;
  });
  await tx.query(`INSERT INTO "endpoint" (id, api, method, path, summary, "createdAt", "updatedAt") VALUES ${values.join(", ")}`, params);
}

/**
 * The live catalog, held in memory: it is small (hundreds to a few thousand rows), read on every
 * keystroke of the endpoint picker, and only changes at start-up.
 */
export class EndpointDirectory {
  private rows: EndpointRow[] = [];
  private byId = new Map<string, EndpointRow>();

  async load(db: SqlDatabase): Promise<void> {
    const rows = await db.withConnection((c) =>
      c.query<EndpointRow>(
        `SELECT id, api, method, path, summary FROM "endpoint" WHERE "retiredAt" IS NULL
         ORDER BY api, path, method`,
      ),
    );
    this.rows = rows;
    this.byId = new Map(rows.map((r) => [r.id, r]));
  }

  get size(): number {
    return this.rows.length;
  }

  get(id: string): EndpointRow | undefined {
    return this.byId.get(id);
  }

  all(): readonly EndpointRow[] {
    return this.rows;
  }

  /**
   * Type-ahead search: every word of the query must appear in "api method path summary".
   * A query like "payments:" or "api:payments" restricts to one API.
   */
  search(query: string, limit = 100): EndpointRow[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
    const out: EndpointRow[] = [];
    for (const r of this.rows) {
      const hay = `${r.api} ${r.method} ${r.path} ${r.summary} ${r.id}`.toLowerCase();
      if (words.every((w) => hay.includes(w.replace(/^api:/, "")))) {
        out.push(r);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  apis(): string[] {
    return [...new Set(this.rows.map((r) => r.api))];
  }
}
