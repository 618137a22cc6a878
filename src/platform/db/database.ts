// Opens the database: PGlite (embedded, no DATABASE_URL) or PostgreSQL (postgres:// URL), with a
// Prisma client on the matching driver adapter, migrations applied, and LISTEN/NOTIFY helpers.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { Prisma, PrismaClient } from "../../generated/prisma/client.js";
import { applyMigrations, pgClientExecutor, pgliteExecutor, type SqlExecutor } from "./migrate.js";

/** `<repo>/prisma/migrations` (also right from dist/db/ after a build). */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));

export type DatabaseKind = "pglite" | "postgres";

type AdapterFactory = NonNullable<Prisma.PrismaClientOptions["adapter"]>;

export interface OpenDatabaseOptions {
  /** postgres:// or postgresql:// URL. Unset: embedded PGlite (dataDir or pglite required). */
  url?: string;
  /** PGlite data directory (created if missing), or 'memory://' for a throwaway database. */
  dataDir?: string;
  migrationsDir?: string;
  log?: (msg: string) => void;
  /** Share an existing in-process PGlite (tests, several app instances in one process). Never closed by close(). */
  pglite?: PGlite;
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

const CHANNEL_RE = /^[a-z_]+$/;
const PG_SESSION_OPTIONS = "-c TimeZone=UTC";
/** application_name of the dedicated LISTEN connection (visible in pg_stat_activity). */
export const LISTEN_APPLICATION_NAME = "appkeys:listen";

export function assertChannelName(channel: string): void {
  if (!CHANNEL_RE.test(channel) || channel.length > 63) {
    throw new Error(`invalid LISTEN/NOTIFY channel name ${JSON.stringify(channel)}: use [a-z_]+ (max 63)`);
  }
}

/**
 * True when err is Prisma's unique-constraint error (P2002) on either adapter. With `fields`
 * (column names, any order), only when the violated key is exactly those columns. Prisma 6.19
 * with driver adapters puts no `meta.target` on P2002; the columns are in
 * meta.driverAdapterError.cause.constraint.fields, double-quoted when mixed-case.
 */
export function isUniqueViolation(err: unknown, fields?: string[]): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== "P2002") return false;
  if (!fields) return true;
  const cause = (err.meta?.driverAdapterError as { cause?: { constraint?: { fields?: unknown } } } | undefined)?.cause;
  const got = cause?.constraint?.fields;
  if (!Array.isArray(got)) return false;
  const norm = got.map((f) => String(f).replace(/^"|"$/g, "")).sort();
  const want = [...fields].sort();
  return norm.length === want.length && norm.every((f, i) => f === want[i]);
}

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
    return openPostgres(opts.url, migrationsDir, log, opts.poolMax ?? 10);
  }
  return openPGlite(opts, migrationsDir, log);
}

// ---------------------------------------------------------------------------------- PGlite

async function openPGlite(opts: OpenDatabaseOptions, migrationsDir: string, log: (msg: string) => void): Promise<Database> {
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
    pglite = new PGlite(dataDir);
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

// ------------------------------------------------------------------------------ PostgreSQL

async function openPostgres(url: string, migrationsDir: string, log: (msg: string) => void, poolMax: number): Promise<Database> {
  // adapter-pg turns every timestamptz offset into "+00:00" whatever it was, so a session time
  // zone other than UTC would shift DateTimes read by $queryRaw (e.g. now()). Force UTC.
  // (An `options` parameter in the URL replaces this one.)
  const pool = new pg.Pool({ connectionString: url, max: poolMax, keepAlive: true, options: PG_SESSION_OPTIONS });
  // An idle client dying (server restart, network) is emitted here; unhandled it would crash.
  pool.on("error", (err) => log(`database: idle pool connection error: ${err.message}`));

  try {
    const client = await pool.connect();
    let broken = false;
    try {
      const applied = await applyMigrations(pgClientExecutor(client), migrationsDir, log);
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
  const listener = new PgListener(url, log);
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

/**
 * One dedicated connection per Database for LISTEN, opened on first use. If it drops, it
 * reconnects with exponential back-off (100 ms .. 10 s) and re-LISTENs every channel.
 * Notifications sent while it is down are lost: consumers should also poll (or catch up
 * after a reconnect) rather than rely on NOTIFY alone.
 */
class PgListener {
  private readonly subs = new Map<string, Set<(payload: string) => void>>();
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 100;
  private reconnecting = false;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly log: (msg: string) => void,
  ) {}

  async subscribe(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.subs.get(channel);
    if (!set) {
      set = new Set();
      this.subs.set(channel, set);
    }
    set.add(onPayload);
    try {
      // LISTEN is idempotent; sending it on every subscribe (queued behind any earlier one on
      // the same connection) means we resolve only once the channel is really listened to.
      if (this.client) {
        await this.client.query(`LISTEN ${channel}`);
      } else if (!this.reconnecting) {
        const client = await this.connect(); // first use, or joining a first connect in flight
        await client.query(`LISTEN ${channel}`);
      }
      // else: reconnecting after a drop; the reconnect LISTENs every subscribed channel.
    } catch (err) {
      this.remove(channel, onPayload);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (this.remove(channel, onPayload) && this.client) {
        await this.client.query(`UNLISTEN ${channel}`).catch(() => undefined);
      }
    };
  }

  /** Removes a callback; true when it was the channel's last one. */
  private remove(channel: string, onPayload: (payload: string) => void): boolean {
    const set = this.subs.get(channel);
    if (!set) return false;
    set.delete(onPayload);
    if (set.size > 0) return false;
    this.subs.delete(channel);
    return true;
  }

  private connect(): Promise<pg.Client> {
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        keepAlive: true,
        options: PG_SESSION_OPTIONS,
        application_name: LISTEN_APPLICATION_NAME,
      });
      client.on("notification", (msg) => {
        const set = this.subs.get(msg.channel);
        if (!set) return;
        for (const cb of [...set]) {
          try {
            cb(msg.payload ?? "");
          } catch (err) {
            this.log(`database: listener for ${msg.channel} threw: ${(err as Error).message}`);
          }
        }
      });
      let dropped = false;
      const onDrop = (err?: Error) => {
        if (dropped) return;
        dropped = true;
        if (this.client === client) this.client = null;
        if (this.closed) return;
        this.reconnecting = true;
        this.log(`database: LISTEN connection lost${err ? `: ${err.message}` : ""}; reconnecting`);
        this.scheduleReconnect();
      };
      client.on("error", onDrop);
      client.on("end", () => onDrop());
      try {
        await client.connect();
        for (const channel of this.subs.keys()) await client.query(`LISTEN ${channel}`);
      } catch (err) {
        dropped = true; // do not schedule from the handlers: the caller decides
        await client.end().catch(() => undefined);
        throw err;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        throw new Error("database is closed");
      }
      this.client = client;
      this.reconnecting = false;
      this.retryDelay = 100;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, 10_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed) return;
      this.connect().then(
        () => this.log("database: LISTEN connection re-established"),
        (err: Error) => {
          this.log(`database: LISTEN reconnect failed: ${err.message}; retrying in ${this.retryDelay} ms`);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    this.subs.clear();
    if (client) await client.end().catch(() => undefined);
  }
}

// ----------------------------------------------------------------- PGlite adapter fixes
//
// Two defects of pglite-prisma-adapter@0.6.1 under Prisma 6.19, fixed by wrapping its factory,
// adapter and transactions (fixPGliteAdapter):
//
// 1. DateTimes: it hands timestamp / timestamptz values to Prisma without a UTC offset
//    ("2026-03-04 05:06:07.891"), which Prisma parses as *local* time. Model queries happen to
//    come out right, but every DateTime read by $queryRaw (now(), "createdAt", ...) is off by
//    the process's UTC offset unless TZ=UTC. PGlite's session time zone is always GMT, so the
//    fix is to mark them as UTC, as @prisma/adapter-pg does.
// 2. Errors: see mapPostgresError below.

interface RawResultSet {
  columnTypes: number[];
  rows: unknown[][];
}

const COLUMN_DATETIME = 10; // ColumnTypeEnum.DateTime in @prisma/driver-adapter-utils
const COLUMN_DATETIME_ARRAY = 74; // ColumnTypeEnum.DateTimeArray
const TIMESTAMP_RE = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:[+-]\d{2}(?::\d{2}(?::\d{2})?)?)?$/;

function asUtc(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const m = TIMESTAMP_RE.exec(value);
  return m ? `${m[1]}T${m[2]}+00:00` : value;
}

function fixDateTimes(result: RawResultSet): RawResultSet {
  const { columnTypes, rows } = result;
  columnTypes.forEach((type, col) => {
    if (type === COLUMN_DATETIME) {
      for (const row of rows) row[col] = asUtc(row[col]);
    } else if (type === COLUMN_DATETIME_ARRAY) {
      for (const row of rows) {
        const v = row[col];
        if (Array.isArray(v)) row[col] = v.map(asUtc);
      }
    }
  });
  return result;
}

function fixPGliteAdapter(factory: AdapterFactory): AdapterFactory {
  return wrapMethods(factory, {
    connect: (adapter) => wrapQueryable(adapter as object),
  });
}

type AnyFn = (...args: unknown[]) => unknown;

function wrapQueryable<T extends object>(target: T): T {
  return wrapMethods(target, {
    startTransaction: (tx) => wrapQueryable(tx as object),
    queryRaw: (result) => fixDateTimes(result as RawResultSet),
  });
}

const MAPPED_METHODS = new Set(["queryRaw", "executeRaw", "executeScript", "startTransaction", "commit", "rollback", "connect"]);

function wrapMethods<T extends object>(target: T, wrapResult: Record<string, (result: unknown) => unknown>): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as AnyFn;
      if (typeof prop !== "string" || !MAPPED_METHODS.has(prop)) return fn.bind(obj);
      const post = wrapResult[prop];
      return async (...args: unknown[]) => {
        try {
          const result = await fn.apply(obj, args);
          return post ? post(result) : result;
        } catch (err) {
          throw mapPostgresError(err);
        }
      };
    },
  });
}

interface PgErrorCause {
  kind: string;
  code?: string;
  message?: string;
  detail?: string;
  column?: string;
  severity?: string;
}

function keyFields(detail: string | undefined): { fields: string[] } | undefined {
  // Same parsing as adapter-pg (quotes kept, e.g. '"publicId"'), so both kinds report alike.
  const fields = detail?.match(/Key \(([^)]+)\)/)?.[1]?.split(", ");
  return fields ? { fields } : undefined;
}

/**
 * pglite-prisma-adapter@0.6.1 reports every database error as `{ kind: 'postgres', code }`.
 * Prisma 6.19 expects the adapter to classify them (as @prisma/adapter-pg does); unmapped, a
 * unique violation on PGlite is thrown as a bare DriverAdapterError instead of a
 * PrismaClientKnownRequestError P2002 (FK: P2003, not-null: P2011, serialization: P2034).
 * Mapped here exactly as adapter-pg 6.19 maps them.
 */
function mapPostgresError(err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== "DriverAdapterError") return err;
  const cause = (err as { cause?: unknown }).cause as PgErrorCause | undefined;
  if (cause?.kind !== "postgres" || typeof cause.code !== "string") return err;
  const original = { originalCode: cause.code, originalMessage: cause.message ?? "" };
  let mapped: Record<string, unknown> | undefined;
  switch (cause.code) {
    case "22001":
      mapped = { kind: "LengthMismatch", column: cause.column };
      break;
    case "22003":
      mapped = { kind: "ValueOutOfRange", cause: cause.message };
      break;
    case "23505":
      mapped = { kind: "UniqueConstraintViolation", constraint: keyFields(cause.detail) };
      break;
    case "23502":
      mapped = {
        kind: "NullConstraintViolation",
        constraint: cause.column ? { fields: [cause.column] } : keyFields(cause.detail),
      };
      break;
    case "23503": {
      const index = cause.message?.match(/foreign key constraint "([^"]+)"/)?.[1];
      mapped = {
        kind: "ForeignKeyConstraintViolation",
        constraint: cause.column ? { fields: [cause.column] } : index ? { index } : undefined,
      };
      break;
    }
    case "40001":
      mapped = { kind: "TransactionWriteConflict" };
      break;
    case "42P01":
      mapped = { kind: "TableDoesNotExist", table: cause.message?.split(" ").at(1)?.split('"').at(1) };
      break;
    case "42703":
      mapped = { kind: "ColumnNotFound", column: cause.message?.split(" ").at(1)?.split('"').at(1) };
      break;
  }
  // Unmapped codes keep kind 'postgres' but, as with adapter-pg, carry originalCode/Message,
  // which Prisma needs to report e.g. a $queryRaw syntax error as P2010 with its SQLSTATE.
  (err as { cause?: unknown }).cause = { ...original, ...(mapped ?? cause) };
  return err;
}
