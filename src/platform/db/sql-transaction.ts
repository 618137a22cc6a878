import type { SqlExecutor } from "./migrate.js";
import { advisoryKey } from "./xact-lock.js";

/**
 * Runs fn in one transaction on a raw connection: PGlite's own transaction() where the executor
 * has one (its single session is shared, and that holds PGlite's mutex), else BEGIN/COMMIT on the
 * dedicated pooled connection, rolled back if fn throws.
 */
export async function inTransaction<T>(exec: SqlExecutor, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  if (exec.transaction) return exec.transaction(fn);
  await exec.exec("BEGIN");
  try {
    const out = await fn(exec);
    await exec.exec("COMMIT");
    return out;
  } catch (err) {
    await exec.exec("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** lockForTransaction() for a raw transaction: the same named lock, released at commit or rollback. */
export async function lockRawTransaction(tx: SqlExecutor, name: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${advisoryKey(name).toString()})::text AS locked`);
}
