import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../../generated/prisma/client.js";
import { fixPGliteAdapter, type AdapterFactory } from "./adapter-patch.js";
import type { Database, OpenDatabaseOptions } from "./database.js";
import { assertChannelName } from "./channel.js";
import { applyMigrations, pgliteExecutor } from "./migrate.js";

/**
 * PGlite 0.3 kept its tables in template1 and always ran with shared_buffers=128MB, which it
 * wrote to (~200 MB resident). 0.4 takes the database and PostgreSQL's settings as options: the
 * same database (data directories made by 0.3 open as they are), and a shared buffer pool sized
 * for a bot's working set (its tables are small; the credential index lives in the process).
 */
export const PGLITE_SETTINGS = {
  database: "template1",
  startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB", "-c", "wal_buffers=1MB"],
};

/** The embedded database: a PGlite data directory (or memory), or an instance the caller shares. */
export async function openPGlite(opts: OpenDatabaseOptions, migrationsDir: string, log: (msg: string) => void): Promise<Database> {
  let pglite: PGlite;
  const owned = !opts.pglite;
  if (opts.pglite) {
    pglite = opts.pglite;
  } else {
    if (!opts.dataDir) {
      throw new Error('openDatabase: set url (PostgreSQL) or dataDir (embedded PGlite; "memory://" for a throwaway database)');
    }
    let dataDir = opts.dataDir;
    if (!dataDir.startsWith("memory://")) {
      if (dataDir.startsWith("file://")) dataDir = fileURLToPath(dataDir);
      dataDir = path.resolve(dataDir);
      await mkdir(dataDir, { recursive: true });
    }
    const started = Date.now();
    pglite = new PGlite({ dataDir, ...PGLITE_SETTINGS });
    await pglite.waitReady;
    log(`database: PGlite ready (${dataDir}) in ${Date.now() - started} ms`);
  }
  await pglite.waitReady;

  try {
    const applied = await applyMigrations(pgliteExecutor(pglite), migrationsDir, log);
    if (applied.length) log(`database: applied ${applied.length} migration(s)`);
  } catch (err) {
    if (owned) await pglite.close().catch(() => undefined);
    throw err;
  }

  // pglite-prisma-adapter@0.6.1 is typed against @prisma/driver-adapter-utils 6.10.1, whose
  // SqlQuery.argTypes differ from 6.19's; it ignores argTypes at run time, so only the types clash.
  const adapter = fixPGliteAdapter(new PrismaPGlite(pglite) as unknown as AdapterFactory);
  const prisma = new PrismaClient({ adapter });
  const unsubscribers = new Set<() => Promise<void>>();
  let closing: Promise<void> | undefined;

  return {
    kind: "pglite",
    prisma,
    async withConnection(fn) {
      return fn(pgliteExecutor(pglite));
    },
    async listen(channel, onPayload) {
      assertChannelName(channel);
      if (closing) throw new Error("database is closed");
      const unlisten = await pglite.listen(channel, (payload) => onPayload(payload));
      let done = false;
      const unsubscribe = async () => {
        if (done) return;
        done = true;
        unsubscribers.delete(unsubscribe);
        if (!pglite.closed) await unlisten();
      };
      unsubscribers.add(unsubscribe);
      return unsubscribe;
    },
    async notify(channel, payload) {
      assertChannelName(channel);
      await pglite.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    close() {
      closing ??= (async () => {
        for (const unsubscribe of [...unsubscribers]) await unsubscribe().catch(() => undefined);
        await prisma.$disconnect();
        if (owned && !pglite.closed) await pglite.close();
      })();
      return closing;
    },
  };
}
