// The database the app runs on: PGlite (embedded, no DATABASE_URL) or PostgreSQL (postgres:// URL),
// with a Prisma client on the matching driver adapter, migrations applied, and LISTEN/NOTIFY.
//   open.ts          openDatabase: picks the kind from the options
//   pglite.ts        embedded PGlite (one in-process session)
//   postgres.ts      PostgreSQL pool
//   listener.ts      PostgreSQL's reconnecting LISTEN connection
//   adapter-patch.ts fixes to pglite-prisma-adapter (why it is hand-written: see its top)
//   errors.ts        recognising Prisma errors the same way on both adapters
//   migrate.ts       the start-up migrator
import type { PGlite } from "@electric-sql/pglite";
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { SqlExecutor } from "./migrate.js";

export { DEFAULT_MIGRATIONS_DIR, openDatabase } from "./open.js";
export { isUniqueViolation } from "./errors.js";
export { LISTEN_APPLICATION_NAME } from "./channel.js";

export type DatabaseKind = "pglite" | "postgres";

export interface OpenDatabaseOptions {
  /** postgres:// or postgresql:// URL. Unset: embedded PGlite (dataDir or pglite required). */
  url?: string;
  /** PGlite data directory (created if missing), or 'memory://' for a throwaway database. */
  dataDir?: string;
  migrationsDir?: string;
  log?: (msg: string) => void;
  /** Share an existing in-process PGlite (tests, several app instances in one process). Never closed by close(). */
  pglite?: PGlite;
  /** An embedded database already starting (RemotePGlite.create): owned, and closed by close(), like one opened from dataDir. */
  pgliteStarting?: Promise<PGlite>;
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
}

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /**
   * Run fn with a raw connection for things Prisma can't express cleanly (advisory locks, ...).
   * PostgreSQL: a pooled connection held for the duration of fn. PGlite: the instance's single
   * session, shared with everyone else in the process (so advisory locks exclude nobody there).
   */
  withConnection<T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T>;
  /** Subscribe to a channel ([a-z_]+); resolves once LISTEN is active. Returns the unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** pg_notify(channel, payload): delivered to listeners when the (auto-commit) statement commits. */
  notify(channel: string, payload: string): Promise<void>;
  /** Disconnects Prisma, stops listeners, ends the pool / closes a PGlite this object opened. Idempotent. */
  close(): Promise<void>;
}
