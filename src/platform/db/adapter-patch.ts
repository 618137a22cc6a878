/*
 * Fixes to pglite-prisma-adapter@0.6.1 under Prisma 6.19, applied by wrapping its factory,
 * adapter and transactions in proxies (fixPGliteAdapter).
 *
 * Why hand-written: it is the only Prisma driver adapter for PGlite, and the embedded database
 * is what AppKeys runs on by default. Prisma 7 (whose adapters are maintained together) cannot
 * be used: its CLI needs native engine binaries downloaded from Prisma's own host, and it has no
 * WebAssembly migration engine, so the project stays on 6.19 with the JS engine. The adapter's
 * last release targets @prisma/driver-adapter-utils 6.10 and has two defects under 6.19; until a
 * release fixes them, these wrappers do, mirroring what @prisma/adapter-pg 6.19 does (the
 * PostgreSQL adapter), so both databases behave alike. The tests in database.test.ts pin both
 * fixes on PGlite and on PostgreSQL. Remove this file when the adapter is fixed upstream.
 *
 * 1. DateTimes: it hands timestamp / timestamptz values to Prisma without a UTC offset
 *    ("2026-03-04 05:06:07.891"), which Prisma parses as *local* time. Model queries happen to
 *    come out right, but every DateTime read by $queryRaw (now(), "createdAt", ...) is off by
 *    the process's UTC offset unless TZ=UTC. PGlite's session time zone is always GMT, so the
 *    fix is to mark them as UTC, as @prisma/adapter-pg does.
 * 2. Errors: see mapPostgresError below.
 *
 * The adapter is also typed against driver-adapter-utils 6.10.1, whose SqlQuery.argTypes differ
 * from 6.19's; it ignores argTypes at run time, so only the types clash (see pglite.ts).
 */
import type { Prisma } from "../../generated/prisma/client.js";

export type AdapterFactory = NonNullable<Prisma.PrismaClientOptions["adapter"]>;

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

export function fixPGliteAdapter(factory: AdapterFactory): AdapterFactory {
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
