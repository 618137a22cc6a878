import { Prisma } from "../../generated/prisma/client.js";

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
