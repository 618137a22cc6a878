import type { PrismaClient, Prisma } from "../../generated/prisma/client.js";
import type { Database } from "../../platform/db/database.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import { generateKeyPair, hashSecret, newCredentialId, secretLast4, type Environment } from "./key-format.js";

/** What the key lifecycle's verbs (generate, revoke, approvals) need. */
export interface LifecycleDeps {
  db: Database;
  clock: Clock;
  pepper?: string;
  /** Whether a user is an AppKeys admin (ADMIN_USER_IDS), for re-checking requesters. */
  isAdmin: (userId: string) => boolean;
}

export interface IssuedCredential {
  credential: Prisma.CredentialGetPayload<object>;
  /** Plaintext secret: lives in memory only while it is delivered. Never store or log it. */
  secretKey: string;
}

/** Issues a new key pair inside the caller's transaction and audits it there. */
export async function issueCredential(
  tx: Prisma.TransactionClient,
  p: {
    app: { id: string; publicId: string; title: string };
    teamId: string;
    environment: Environment;
    label: string;
    createdBy: string;
    pepper?: string;
    now: Date;
    auditDetails?: Record<string, unknown>;
  },
): Promise<IssuedCredential> {
  const { sharedKey, secretKey } = generateKeyPair(p.environment);
  const credential = await tx.credential.create({
    data: {
      id: newCredentialId(),
      appId: p.app.id,
      environment: p.environment,
      label: p.label,
      sharedKey,
      secretHash: hashSecret(secretKey, p.pepper),
      secretLast4: secretLast4(secretKey),
      createdBy: p.createdBy,
      createdAt: p.now,
    },
  });
  await recordAudit(tx, {
    actorId: p.createdBy,
    action: "credential.generated",
    teamId: p.teamId,
    app: p.app,
    credentialId: credential.id,
    environment: p.environment,
    details: { label: p.label || undefined, ...p.auditDetails },
    at: p.now,
  });
  return { credential, secretKey };
}

/**
 * A secret that reached nobody must not stay usable: revoke it at once. Returns false when the
 * credential was already revoked.
 */
export async function revokeUndelivered(
  db: PrismaClient,
  clock: Clock,
  p: { credentialId: string; actorId: string; teamId: string },
): Promise<boolean> {
  const now = clock();
  return db.$transaction(async (tx) => {
    const res = await tx.credential.updateMany({
      where: { id: p.credentialId, status: "ACTIVE" },
      data: {
        status: "REVOKED",
        revokedAt: now,
        revokedBy: p.actorId,
        revokeReason: "undelivered",
        revokeNote: "The secret could not be delivered to anyone.",
      },
    });
    if (res.count === 0) return false;
    const cred = await tx.credential.findUniqueOrThrow({ where: { id: p.credentialId }, include: { app: true } });
    await recordAudit(tx, {
      actorId: p.actorId,
      action: "credential.undelivered",
      teamId: p.teamId,
      app: cred.app,
      credentialId: cred.id,
      environment: cred.environment,
      reason: "undelivered",
      at: now,
    });
    return true;
  });
}

/**
 * Locks the app row for the rest of the transaction and checks it is not archived, so a key
 * cannot be issued into an app that is being archived at the same moment (read committed would
 * let both through).
 */
export async function lockLiveApp(tx: Prisma.TransactionClient, app: { id: string; title: string }): Promise<void> {
  const rows = await tx.$queryRaw<
    { archived: boolean }[]
  >`SELECT ("archivedAt" IS NOT NULL) AS archived FROM app WHERE id = ${app.id} FOR UPDATE`;
  if (rows.length === 0 || rows[0]!.archived) throw new DomainError("app.archived", { title: app.title });
}
