import type { SqlExecutor } from "./migrate.js";

/**
 * PostgreSQL locks for code that must run in one place at a time, or must know whether someone
 * else is writing. Domain code calls these instead of writing lock SQL.
 */

/**
 * Runs `fn` while holding the session advisory lock `id` on this connection, or returns
 * `{ locked: false }` at once when another session holds it. Any replica may hold it; a dead
 * replica's session, and so its lock, ends with its connection. PGlite has one session shared by
 * the whole process (advisory locks are re-entrant there and exclude nobody), so its executor's
 * in-process exclusive section stands in for the lock.
 */
export async function withTryAdvisoryLock<T>(
  sql: SqlExecutor,
  id: bigint,
  fn: () => Promise<T>,
): Promise<{ locked: true; value: T } | { locked: false }> {
  if (sql.exclusive) return { locked: true, value: await sql.exclusive(fn) };
  const [lock] = await sql.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [id.toString()]);
  if (!lock?.locked) return { locked: false };
  try {
    return { locked: true, value: await fn() };
  } finally {
    await sql.query("SELECT pg_advisory_unlock($1::bigint) AS unlocked", [id.toString()]);
  }
}

/**
 * A round trip on the lock's session: throws when the connection (and with it a session lock)
 * was lost, before the caller does something only the lock holder may do.
 */
export async function confirmSessionAlive(sql: SqlExecutor): Promise<void> {
  await sql.query("SELECT 1 AS alive");
}

/**
 * True while any other session of this database holds a write lock (RowExclusiveLock: an
 * INSERT, UPDATE or DELETE in an open transaction) on `table`. PostgreSQL only.
 */
export async function othersWriting(sql: SqlExecutor, table: string): Promise<boolean> {
  const [row] = await sql.query<{ busy: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'relation' AND l.relation = $1::regclass
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()
     ) AS busy`,
    [table],
  );
  return row?.busy === true;
}
