import { createHash } from "node:crypto";
import type { Prisma } from "../../generated/prisma/client.js";

/** A stable 63-bit advisory lock key for a name, so features need no registry of numbers. */
export function advisoryKey(name: string): bigint {
  return createHash("sha256").update(`appkeys:${name}`).digest().readBigInt64BE(0);
}

/**
 * Serialises a transaction with every other one that takes the same named lock, across all
 * replicas (PostgreSQL) and within the process (PGlite has one session, where Prisma's
 * interactive transactions already run one at a time). Released at commit or rollback.
 */
export async function lockForTransaction(tx: Prisma.TransactionClient, name: string): Promise<void> {
  await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${advisoryKey(name).toString()})::text AS locked`);
}
