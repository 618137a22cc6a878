/**
 * Revoking a key that leaked, and issuing its replacement: the credential-side verbs of the leak
 * response (src/features/leaks/). Same audit outbox and change notification as every other
 * revocation, so verifying gateways refuse the key within a second.
 */
import type { Database } from "../../platform/db/database.js";
import type { Prisma } from "../../generated/prisma/client.js";
import { canManage } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import { issueCredential, lockLiveApp, type IssuedCredential } from "./issue.js";
import type { LifecycleActor } from "./service.js";
import { publishCredentialChange } from "./notify.js";

type AppWithOwners = Prisma.AppGetPayload<{ include: { owners: true } }>;
type CredentialRow = Prisma.CredentialGetPayload<object>;

export interface CompromisedRevocation {
  credential: CredentialRow;
  app: AppWithOwners;
}

/**
 * Revokes a live credential at once (no grace period: a leaked secret is public), with its audit
 * event in the same transaction. A grace period already running is cut short. Returns null when
 * the credential was already revoked: exactly one caller wins, however many reports race.
 */
export async function revokeCompromised(
  db: Database,
  clock: Clock,
  p: { credentialId: string; actorId: string; note: string; details?: Record<string, unknown> },
): Promise<CompromisedRevocation | null> {
  const now = clock();
  const out = await db.prisma.$transaction(async (tx) => {
    const row = await tx.credential.findUnique({ where: { id: p.credentialId }, include: { app: { include: { owners: true } } } });
    if (row?.status !== "ACTIVE") return null;
    // The conditional update is the lock: of two reports racing, one finds no ACTIVE row.
    const res = await tx.credential.updateMany({
      where: { id: p.credentialId, status: "ACTIVE" },
      data: { status: "REVOKED", revokedAt: now, revokedBy: null, revokeReason: "compromised", revokeNote: p.note, revokeAt: null },
    });
    if (res.count === 0) return null;
    const { app, ...before } = row;
    const credential: CredentialRow = {
      ...before,
      status: "REVOKED",
      revokedAt: now,
      revokedBy: null,
      revokeReason: "compromised",
      revokeNote: p.note,
      revokeAt: null,
    };
    await recordAudit(tx, {
      actorId: p.actorId,
      action: "credential.revoked",
      teamId: app.teamId,
      app,
      credentialId: credential.id,
      environment: credential.environment,
      reason: `compromised: ${p.note}`,
      details: { ...p.details, gracePeriodCut: before.revokeAt ? true : undefined },
      at: now,
    });
    return { credential, app };
  });
  if (out) {
    // After commit; a lost notification is covered by the verification cache's short TTL.
    await publishCredentialChange(db, { sharedKey: out.credential.sharedKey, credentialId: out.credential.id }).catch(() => {});
  }
  return out;
}

/** The leaked credential an owner wants to replace, checked: team, ownership, app still live. */
export async function loadLeaked(db: Database, actor: LifecycleActor, credentialId: string): Promise<CompromisedRevocation> {
  const row = await db.prisma.credential.findUnique({ where: { id: credentialId }, include: { app: { include: { owners: true } } } });
  if (!row || row.app.teamId !== actor.teamId) throw new DomainError("credential.not_found", { credentialId });
  const { app, ...credential } = row;
  if (app.archivedAt) throw new DomainError("app.archived", { title: app.title });
  if (!canManage(actor, app)) throw new DomainError("credential.generate_forbidden", {});
  if (credential.replacedById) {
    throw new DomainError("credential.replacement_issued", { credentialId: credential.id, replacementId: credential.replacedById });
  }
  return { credential, app };
}

/**
 * Issues the replacement of a leaked credential (same environment and label) and links it as
 * `replacedById`, in one transaction: of two owners clicking at once, one gets a key, the other a
 * clear message. The caller applies the production approval rule before calling this.
 */
export async function issueReplacement(
  db: Database,
  clock: Clock,
  pepper: string | undefined,
  actor: LifecycleActor,
  leaked: CompromisedRevocation,
): Promise<IssuedCredential> {
  const { credential: old, app } = leaked;
  const now = clock();
  const issued = await db.prisma.$transaction(async (tx) => {
    await lockLiveApp(tx, app);
    const issued = await issueCredential(tx, {
      app,
      teamId: app.teamId,
      environment: old.environment,
      label: old.label,
      createdBy: actor.userId,
      pepper,
      now,
      auditDetails: { replaces: old.id },
    });
    const linked = await tx.credential.updateMany({
      where: { id: old.id, replacedById: null },
      data: { replacedById: issued.credential.id },
    });
    if (linked.count === 0) throw new DomainError("credential.replacement_issued", { credentialId: old.id });
    return issued;
  });
  await publishCredentialChange(db, { sharedKey: issued.credential.sharedKey, credentialId: issued.credential.id }).catch(() => {});
  return issued;
}
