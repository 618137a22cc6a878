import type { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../../generated/prisma/client.js";
import { fixPGliteAdapter, type AdapterFactory } from "./adapter-patch.js";
import type { Database, OpenDatabaseOptions } from "./database.js";
import { assertChannelName } from "./channel.js";
import { applyMigrations, pgliteExecutor, readMigrations } from "./migrate.js";
import { RemotePGlite } from "./pglite-remote.js";

/** The embedded database: a PGlite data directory (or memory), or an instance the caller shares. */
export async function openPGlite(opts: OpenDatabaseOptions, migrationsDir: string, log: (msg: string) => void): Promise<Database> {
  // Read while the database opens (it takes longer).
  const migrations = readMigrations(migrationsDir, log);
  migrations.catch(() => {});
  let pglite: PGlite;
  const owned = !opts.pglite;
  if (opts.pglite) {
    pglite = opts.pglite;
  } else {
    if (!opts.dataDir && !opts.pgliteStarting) {
      throw new Error('openDatabase: set url (PostgreSQL) or dataDir (embedded PGlite; "memory://" for a throwaway database)');
    }
    pglite = await (opts.pgliteStarting ?? RemotePGlite.create(opts.dataDir));
    const openMs = (pglite as unknown as RemotePGlite).openMs;
    log(`database: PGlite ready (${pglite.dataDir ?? "memory"}) in ${openMs ?? "?"} ms, on its own thread`);
  }
  await pglite.waitReady;

  try {
    const applied = await applyMigrations(pgliteExecutor(pglite), migrations, log);
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
