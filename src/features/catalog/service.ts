import type { PrismaClient } from "../../generated/prisma/client.js";
import type { CatalogEndpoint } from "./parse.js";
import type { Clock } from "../../shared/clock.js";
import { lockForTransaction } from "../../platform/db/xact-lock.js";

export interface EndpointRow {
  id: string;
  api: string;
  method: string;
  path: string;
  summary: string;
}

/**
 * Makes the endpoint table match the catalog: new endpoints added, changed ones updated,
 * missing ones retired (never deleted: apps keep their history), returning ones revived.
 * Replicas starting together each run this: the lock makes them take turns, so each sees the
 * previous one's result and the last catalog to be synced wins whole.
 */
export async function syncCatalog(
  db: PrismaClient,
  catalog: CatalogEndpoint[],
  clock: Clock,
): Promise<{ added: number; updated: number; retired: number }> {
  const now = clock();
  return db.$transaction(
    async (tx) => {
      await lockForTransaction(tx, "catalog-sync");
      const existing = await tx.endpoint.findMany();
      const byId = new Map(existing.map((e) => [e.id, e]));
      const wanted = new Set(catalog.map((e) => e.id));
      let added = 0;
      let updated = 0;
      const toCreate = catalog.filter((e) => !byId.has(e.id));
      if (toCreate.length) {
        await tx.endpoint.createMany({ data: toCreate.map((e) => ({ ...e, createdAt: now, updatedAt: now })) });
        added = toCreate.length;
      }
      for (const e of catalog) {
        const cur = byId.get(e.id);
        if (!cur) continue;
        if (cur.api !== e.api || cur.method !== e.method || cur.path !== e.path || cur.summary !== e.summary || cur.retiredAt) {
          await tx.endpoint.update({
            where: { id: e.id },
            data: { api: e.api, method: e.method, path: e.path, summary: e.summary, retiredAt: null },
          });
          updated++;
        }
      }
      const gone = existing.filter((e) => !wanted.has(e.id) && !e.retiredAt).map((e) => e.id);
      if (gone.length) await tx.endpoint.updateMany({ where: { id: { in: gone } }, data: { retiredAt: now } });
      return { added, updated, retired: gone.length };
      // A replica waiting for another's sync waits on the lock inside this transaction.
    },
    { maxWait: 30_000, timeout: 60_000 },
  );
}

/**
 * The live catalog, held in memory: it is small (hundreds to a few thousand rows), read on every
 * keystroke of the endpoint picker, and only changes at start-up.
 */
export class EndpointDirectory {
  private rows: EndpointRow[] = [];
  private byId = new Map<string, EndpointRow>();

  async load(db: PrismaClient): Promise<void> {
    const rows = await db.endpoint.findMany({
      where: { retiredAt: null },
      orderBy: [{ api: "asc" }, { path: "asc" }, { method: "asc" }],
      select: { id: true, api: true, method: true, path: true, summary: true },
    });
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
