import path from "node:path";
import { PROJECT_ROOT } from "../paths.js";
import type { Database, OpenDatabaseOptions } from "./database.js";

/** `<repo>/prisma/migrations`. */
export const DEFAULT_MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");

/** Opens PostgreSQL when `url` is set, else the embedded PGlite (`dataDir` or a shared `pglite`), and applies migrations. */
export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  const log = opts.log ?? (() => {});
  const migrationsDir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  if (opts.url !== undefined && opts.url !== "") {
    if (opts.pglite) throw new Error("openDatabase: pass either url (PostgreSQL) or pglite, not both");
    let protocol: string;
    try {
      protocol = new URL(opts.url).protocol;
    } catch {
      throw new Error("openDatabase: DATABASE_URL is not a valid URL (expected postgres://user@host:port/db)");
    }
    if (protocol !== "postgres:" && protocol !== "postgresql:") {
      throw new Error(
        `openDatabase: unsupported database URL scheme "${protocol}" — use postgres:// or postgresql://, ` +
          "or leave the URL unset to use the embedded PGlite database",
      );
    }
    // Loaded on demand: a PostgreSQL deployment never loads PGlite (and its WebAssembly), nor PGlite pg.
    const { openPostgres } = await import("./postgres.js");
    return openPostgres(opts.url, migrationsDir, log, opts.poolMax ?? 10);
  }
  const { openPGlite } = await import("./pglite.js");
  return openPGlite(opts, migrationsDir, log);
}
