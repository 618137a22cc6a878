// A fresh database per test file: a new PostgreSQL database on TEST_DATABASE_URL's server
// (so files can run in parallel), or else a new in-memory PGlite.
import { randomBytes } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { openDatabase, type Database, type OpenDatabaseOptions } from "../../src/platform/db/database.js";
import { RemotePGlite } from "../../src/platform/db/pglite-remote.js";

export interface TestDatabase {
  /** Set on PostgreSQL: the URL of this test's own database. */
  url?: string;
  /** Set on PGlite: the instance every open() shares (like several app instances on one DB). */
  pglite?: PGlite;
  /** Open (and migrate) a Database on it; each call is a separate app instance. */
  open(opts?: Pick<OpenDatabaseOptions, "migrationsDir" | "log" | "poolMax">): Promise<Database>;
  /** Close every Database opened here, then drop the database / close the PGlite. */
  drop(): Promise<void>;
}

export function dbKindForTests(): "pglite" | "postgres" {
  return process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const opened = new Set<Database>();
  const closeAll = async () => {
    for (const db of opened) await db.close().catch(() => undefined);
    opened.clear();
  };

  if (!adminUrl) {
    const pglite = await RemotePGlite.create();
    return {
      pglite,
      async open(opts = {}) {
        const db = await openDatabase({ ...opts, pglite });
        opened.add(db);
        return db;
      },
      async drop() {
        await closeAll();
        if (!pglite.closed) await pglite.close();
      },
    };
  }

  const name = `appkeys_t_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  let dropped = false;
  return {
    url: dbUrl,
    async open(opts = {}) {
      const db = await openDatabase({ poolMax: 5, ...opts, url: dbUrl });
      opened.add(db);
      return db;
    },
    async drop() {
      await closeAll();
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, async (admin) => {
        const { rows } = await admin.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
        if ((rows[0]?.v ?? 0) >= 130000) {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } else {
          await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
          await admin.query(`DROP DATABASE IF EXISTS ${name}`);
        }
      });
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
