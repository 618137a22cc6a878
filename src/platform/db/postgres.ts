import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.js";
import type { Database } from "./database.js";
import { PgListener, assertChannelName } from "./listener.js";
import { applyMigrations, pgClientExecutor, readMigrations } from "./migrate.js";

/**
 * Session options of every connection. adapter-pg turns every timestamptz offset into "+00:00"
 * whatever it was, so a session time zone other than UTC would shift DateTimes read by $queryRaw
 * (e.g. now()). Force UTC. (An `options` parameter in the URL replaces this one.)
 */
const PG_SESSION_OPTIONS = "-c TimeZone=UTC";

/** A pooled PostgreSQL database; LISTEN runs on a connection of its own (listener.ts). */
export async function openPostgres(url: string, migrationsDir: string, log: (msg: string) => void, poolMax: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, keepAlive: true, options: PG_SESSION_OPTIONS });
  // An idle client dying (server restart, network) is emitted here; unhandled it would crash.
  pool.on("error", (err) => log(`database: idle pool connection error: ${err.message}`));

  // Read while the first connection is made.
  const migrations = readMigrations(migrationsDir, log);
  migrations.catch(() => {});
  try {
    const client = await pool.connect();
    let broken = false;
    try {
      const applied = await applyMigrations(pgClientExecutor(client), migrations, log);
      if (applied.length) log(`database: applied ${applied.length} migration(s)`);
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      client.release(broken);
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const listener = new PgListener(url, log, PG_SESSION_OPTIONS);
  let closing: Promise<void> | undefined;

  return {
    kind: "postgres",
    prisma,
    async withConnection(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        return await fn(pgClientExecutor(client));
      } catch (err) {
        // A failed statement may leave a transaction or session state behind: do not reuse.
        broken = true;
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async listen(channel, onPayload) {
      assertChannelName(channel);
      if (closing) throw new Error("database is closed");
      return listener.subscribe(channel, onPayload);
    },
    async notify(channel, payload) {
      assertChannelName(channel);
      await pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    close() {
      closing ??= (async () => {
        await listener.close();
        await prisma.$disconnect();
        await pool.end();
      })();
      return closing;
    },
  };
}
