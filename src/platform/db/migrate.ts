// Applies the committed Prisma migrations (prisma/migrations/<name>/migration.sql) at start-up.
//
// Hand-written on purpose: `prisma migrate deploy` cannot run against PostgreSQL through a driver
// adapter where AppKeys is built (docs/decisions/0001-migrations-at-startup.md), so the app does
// what it would do: apply each missing migration in order, in its own transaction, under an
// advisory lock, and record it in `_prisma_migrations` with Prisma's columns and checksum, so
// that the Prisma CLI (where it works) agrees with us about what has been applied.
import { createHash, randomUUID } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import type pg from "pg";
import { inTransaction } from "./sql-transaction.js";

/** The little SQL surface the migrator (and other raw-SQL helpers) need. */
export interface SqlExecutor {
  /** Run one or more statements (simple query protocol), no parameters. */
  exec(sql: string): Promise<void>;
  /** Run one statement with $1.. parameters and return its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Optional: run fn in one transaction that nobody else can interleave statements with.
   * Without it, the migrator sends BEGIN/COMMIT/ROLLBACK through exec(), which is right for
   * a dedicated pg connection. PGlite has one session shared by every user of the instance,
   * so its executor uses PGlite's own transaction() (which holds PGlite's transaction mutex).
   */
  transaction?<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Optional: serialise fn with other in-process users of the same database. Needed on PGlite
   * because pg_advisory_lock is re-entrant within a session and PGlite has only one session.
   */
  exclusive?<T>(fn: () => Promise<T>): Promise<T>;
}

/** Executor over one pg connection (a Client or a PoolClient checked out of a Pool). */
export function pgClientExecutor(client: pg.ClientBase): SqlExecutor {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      const res = await client.query(sql, params);
      return res.rows as T[];
    },
  };
}

// One in-process lock per PGlite instance (shared by every executor wrapping it).
const pgliteLocks = new WeakMap<object, Promise<unknown>>();

function runSerially<T>(key: object, fn: () => Promise<T>): Promise<T> {
  const previous = pgliteLocks.get(key) ?? Promise.resolve();
  const result = previous.then(fn, fn);
  pgliteLocks.set(
    key,
    result.catch(() => undefined),
  );
  return result;
}

type PGliteLike = Pick<PGlite, "exec" | "query" | "transaction"> | PGliteTransaction;

/** Executor over a PGlite instance (or one of its transactions). */
export function pgliteExecutor(db: PGliteLike): SqlExecutor {
  const executor: SqlExecutor = {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      const res = await db.query<T>(sql, params);
      return res.rows;
    },
  };
  if ("transaction" in db) {
    const instance = db;
    executor.transaction = (fn) => instance.transaction((tx) => fn(pgliteExecutor(tx)));
    executor.exclusive = (fn) => runSerially(instance, fn);
  }
  return executor;
}

/** Prisma's own lock id (schema engine, PostgreSQL flavour): we exclude `prisma migrate` too. */
export const MIGRATION_ADVISORY_LOCK_ID = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/** Prisma accepts a checksum computed with either line ending (git autocrlf). */
function checksumMatches(sql: string, recorded: string): boolean {
  const candidates = new Set([
    migrationChecksum(sql),
    migrationChecksum(sql.replace(/\r\n/g, "\n")),
    migrationChecksum(sql.replace(/\r?\n/g, "\r\n")),
  ]);
  return candidates.has(recorded.trim().toLowerCase());
}

/** The migration directories under migrationsDir, sorted by name. */
export async function readMigrations(migrationsDir: string, log: (msg: string) => void = () => {}): Promise<MigrationFile[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    throw new Error(`cannot read migrations directory ${migrationsDir}: ${(err as Error).message}`);
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  // Read side by side, at every start: a missing migration.sql shows up as the read's error.
  const read = await Promise.all(
    names.map((name) =>
      readFile(path.join(migrationsDir, name, "migration.sql"), "utf8").then(
        (sql): MigrationFile => ({ name, sql, checksum: migrationChecksum(sql) }),
        (err: NodeJS.ErrnoException) => {
          if (err.code !== "ENOENT" && err.code !== "EISDIR" && err.code !== "ENOTDIR") throw err;
          log(`migrations: ${name} has no migration.sql, skipped`);
          return null;
        },
      ),
    ),
  );
  return read.filter((m) => m !== null);
}

// Exactly the table `prisma migrate` creates.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

/**
 * Apply every migration in migrationsDir (or these, read by readMigrations) that the database
 * does not have yet. `exec` must be a single dedicated connection (the advisory lock is per
 * session). Returns the names of the migrations applied by this call (empty when up to date).
 */
export async function applyMigrations(
  exec: SqlExecutor,
  from: string | Promise<MigrationFile[]>,
  log: (msg: string) => void = () => {},
): Promise<string[]> {
  const migrations = await (typeof from === "string" ? readMigrations(from, log) : from);
  if (exec.exclusive) {
    // PGlite: one session, in this process only (no other process opens its directory), so
    // the in-process lock is the whole story; an advisory lock would add nothing but two queries.
    return exec.exclusive(() => applyLocked(exec, migrations, log));
  }
  await exec.query(`SELECT pg_advisory_lock(${MIGRATION_ADVISORY_LOCK_ID})`);
  const unlock = () => exec.query(`SELECT pg_advisory_unlock(${MIGRATION_ADVISORY_LOCK_ID})`);
  let applied: string[];
  try {
    applied = await applyLocked(exec, migrations, log);
  } catch (err) {
    await unlock().catch(() => undefined); // do not hide the real error
    throw err;
  }
  await unlock();
  return applied;
}

const SELECT_APPLIED = `SELECT migration_name, checksum, finished_at, rolled_back_at
  FROM "_prisma_migrations" ORDER BY started_at, migration_name`;

/** PostgreSQL's undefined_table. */
const UNDEFINED_TABLE = "42P01";

async function applyLocked(exec: SqlExecutor, migrations: MigrationFile[], log: (msg: string) => void): Promise<string[]> {
  let rows: MigrationRow[];
  try {
    rows = await exec.query<MigrationRow>(SELECT_APPLIED);
  } catch (err) {
    // A new database. (Asked this way round: CREATE TABLE IF NOT EXISTS at every start costs
    // more than the read, which is all an up-to-date database needs.)
    if ((err as { code?: string }).code !== UNDEFINED_TABLE) throw err;
    await exec.exec(CREATE_MIGRATIONS_TABLE);
    rows = [];
  }

  const applied = new Map<string, MigrationRow>();
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue; // `prisma migrate resolve --rolled-back`
    if (row.finished_at === null) {
      throw new Error(
        `migration ${row.migration_name} is recorded as started but not finished (a failed ` +
          `\`prisma migrate\` run?); fix the database and mark it with \`prisma migrate resolve\``,
      );
    }
    applied.set(row.migration_name, row);
  }

  const onDisk = new Set(migrations.map((m) => m.name));
  for (const name of applied.keys()) {
    if (!onDisk.has(name)) {
      log(`migrations: WARNING ${name} is applied in the database but missing from the migrations directory`);
    }
  }
  for (const m of migrations) {
    const row = applied.get(m.name);
    if (row && !checksumMatches(m.sql, row.checksum)) {
      throw new Error(
        `migration ${m.name} was edited after it was applied ` +
          `(recorded checksum ${row.checksum}, file checksum ${m.checksum}); ` +
          `restore the file and put the change in a new migration`,
      );
    }
  }

  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    const started = Date.now();
    const body = async (tx: SqlExecutor) => {
      const startedAt = new Date();
      await tx.exec(m.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations"
           (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)`,
        [randomUUID(), m.checksum, m.name, startedAt],
      );
    };
    try {
      await inTransaction(exec, body);
    } catch (err) {
      const e = new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      throw e;
    }
    log(`migrations: applied ${m.name} in ${Date.now() - started} ms`);
    done.push(m.name);
  }
  return done;
}
