import type { Prisma } from "../../generated/prisma/client.js";
import type { Database } from "../../platform/db/database.js";
import { canManage } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import { DomainError, isUniqueViolation } from "../../shared/errors.js";
import { issueCredential, type IssuedCredential, type LifecycleDeps } from "./issue.js";
import { publishAfterCommit } from "./notify.js";
import {
  GRACE_PERIODS,
  applicableRevoke,
  assertRevocable,
  validateRevoke,
  type AppWithOwners,
  type ApprovalRow,
  type CredentialRow,
  type LifecycleActor,
  type ParsedRevoke,
  type RevokeRequest,
} from "./rules.js";

export type RevokeOutcome =
  | { kind: "revoked"; app: AppWithOwners; credential: CredentialRow; replacement?: IssuedCredential }
  | { kind: "scheduled"; app: AppWithOwners; credential: CredentialRow; revokeAt: Date; replacement: IssuedCredential }
  | { kind: "requested"; app: AppWithOwners; credential: CredentialRow; approval: ApprovalRow };

/** A credential and its app, if the actor may act on it (owners, co-owners, admins; approvers may revoke). */
export async function loadForRevoke(
  deps: LifecycleDeps,
  actor: LifecycleActor,
  credentialId: string,
): Promise<{ credential: CredentialRow; app: AppWithOwners }> {
  const credential = await deps.db.prisma.credential.findUnique({
    where: { id: credentialId },
    include: { app: { include: { owners: true } } },
  });
  if (!credential || credential.app.teamId !== actor.teamId) throw new DomainError("credential.not_found", { credentialId });
  const { app, ...cred } = credential;
  if (app.archivedAt) throw new DomainError("app.archived", { title: app.title });
  if (!canManage(actor, app) && !actor.isApprover) throw new DomainError("credential.revoke_forbidden", {});
  return { credential: cred, app };
}

/**
 * Revoke through the "Revoking the Key" dialog. Production keys need a second person (an
 * approver other than the requester) unless an approver marks the key compromised, which takes
 * effect at once with any grace period ignored.
 */
export async function requestRevoke(
  deps: LifecycleDeps,
  actor: LifecycleActor,
  credentialId: string,
  req: RevokeRequest,
): Promise<RevokeOutcome> {
  const { credential, app } = await loadForRevoke(deps, actor, credentialId);
  const parsed = validateRevoke(req);
  if (!canManage(actor, app) && parsed.action !== "now") {
    // A replacement's secret goes to whoever asked: only the app's owners may hold one.
    throw new DomainError("credential.replace_forbidden", {});
  }
  assertRevocable(credential, parsed);
  const emergency = parsed.reason === "compromised" && actor.isApprover;
  const now = deps.clock();
  if (credential.environment === "production" && !emergency) {
    const approval = await deps.db.prisma
      .$transaction(async (tx) => {
        const pending = await tx.approval.findFirst({ where: { credentialId, kind: "REVOKE", status: "PENDING" } });
        if (pending) throw new DomainError("credential.revoke_pending", { credentialId });
        const approval = await tx.approval.create({
          data: { kind: "REVOKE", appId: app.id, credentialId, requesterId: actor.userId, payload: parsed, createdAt: now },
        });
        await recordAudit(tx, {
          actorId: actor.userId,
          action: "credential.revoke_requested",
          teamId: app.teamId,
          app,
          credentialId,
          environment: credential.environment,
          reason: parsed.reason,
          details: { approvalId: approval.id, action: parsed.action, grace: parsed.grace, note: parsed.note || undefined },
          at: now,
        });
        return approval;
      })
      .catch((err: unknown) => {
        // Two requests at the same moment: the partial unique index lets one through.
        throw isUniqueViolation(err) ? new DomainError("credential.revoke_pending", { credentialId }) : err;
      });
    return { kind: "requested", app, credential, approval };
  }
  const outcome = await deps.db.prisma.$transaction((tx) =>
    executeRevoke(deps, tx, {
      credential,
      app,
      // An emergency ignores any grace period: the old key goes now.
      req: emergency ? applicableRevoke({ ...parsed, action: parsed.action === "now" ? "now" : "replace" }) : parsed,
      requesterId: actor.userId,
      approverId: emergency ? actor.userId : undefined,
      skippedApproval: emergency && credential.environment === "production",
      now,
    }),
  );
  await publishOutcome(deps.db, outcome);
  return outcome;
}

export async function executeRevoke(
  deps: LifecycleDeps,
  tx: Prisma.TransactionClient,
  p: {
    credential: CredentialRow;
    app: AppWithOwners;
    req: ParsedRevoke;
    requesterId: string;
    approverId?: string;
    /** The approved request this carries out. */
    approvalId?: string;
    /** "replace" approved: the old key goes now, the replacement is issued when the requester collects it. */
    replacementLater?: boolean;
    /** A production key revoked at once without a second person (an approver marked it compromised). */
    skippedApproval?: boolean;
    now: Date;
  },
): Promise<RevokeOutcome> {
  const { credential: c, app, req, now } = p;
  let replacement: IssuedCredential | undefined;
  if (req.action !== "now" && !p.replacementLater) {
    replacement = await issueCredential(tx, {
      app,
      teamId: app.teamId,
      environment: c.environment,
      label: c.label,
      createdBy: p.requesterId,
      pepper: deps.pepper,
      now,
      auditDetails: { replaces: c.id },
    });
  }
  // Only what applied (applicableRevoke leaves a grace period on "replace_grace" alone).
  const details = {
    action: req.action,
    grace: req.grace,
    note: req.note || undefined,
    replacedBy: replacement?.credential.id,
    replacement: p.replacementLater && req.action !== "now" ? "issued when the requester collects it" : undefined,
    approvalId: p.approvalId,
    approvedBy: p.approverId && p.approverId !== p.requesterId ? p.approverId : undefined,
    approval: p.skippedApproval ? "not needed: an approver marked the key compromised" : undefined,
  };
  if (req.action === "replace_grace" && req.grace && replacement) {
    const revokeAt = new Date(now.getTime() + GRACE_PERIODS[req.grace]);
    const res = await tx.credential.updateMany({
      // revokeAt: null — of two owners rotating at once, only one issues a replacement.
      where: { id: c.id, status: "ACTIVE", revokeAt: null },
      data: {
        revokeAt,
        revokedBy: p.requesterId,
        revokeReason: req.reason,
        revokeNote: req.note || null,
        replacedById: replacement.credential.id,
      },
    });
    if (res.count === 0) throw new DomainError("credential.changed_meanwhile", { credentialId: c.id });
    await recordAudit(tx, {
      actorId: p.requesterId,
      action: "credential.revoke_scheduled",
      teamId: app.teamId,
      app,
      credentialId: c.id,
      environment: c.environment,
      reason: req.reason,
      details: { ...details, revokeAt: revokeAt.toISOString() },
      at: now,
    });
    return { kind: "scheduled", app, credential: { ...c, revokeAt }, revokeAt, replacement };
  }
  const res = await tx.credential.updateMany({
    where: { id: c.id, status: "ACTIVE", ...(replacement ? { revokeAt: null } : {}) },
    data: {
      status: "REVOKED",
      revokedAt: now,
      revokedBy: p.requesterId,
      revokeReason: req.reason,
      revokeNote: req.note || null,
      replacedById: replacement?.credential.id ?? null,
    },
  });
  if (res.count === 0) throw new DomainError("credential.revoked_meanwhile", { credentialId: c.id });
  await recordAudit(tx, {
    actorId: p.requesterId,
    action: "credential.revoked",
    teamId: app.teamId,
    app,
    credentialId: c.id,
    environment: c.environment,
    reason: req.reason,
    details,
    at: now,
  });
  return {
    kind: "revoked",
    app,
    credential: { ...c, status: "REVOKED", revokedAt: now, revokedBy: p.requesterId, revokeReason: req.reason },
    replacement,
  };
}

/** Runs grace-period revocations whose time has come. Idempotent; safe on every replica. */
export async function executeDueRevocations(deps: LifecycleDeps, limit = 500): Promise<number> {
  const now = deps.clock();
  const due = await deps.db.prisma.credential.findMany({
    where: { status: "ACTIVE", revokeAt: { lte: now } },
    select: { id: true },
    orderBy: { revokeAt: "asc" },
    take: limit,
  });
  let done = 0;
  for (const { id } of due) {
    const revoked = await deps.db.prisma.$transaction(async (tx) => {
      const res = await tx.credential.updateMany({
        where: { id, status: "ACTIVE", revokeAt: { lte: now } },
        data: { status: "REVOKED", revokedAt: now },
      });
      if (res.count === 0) return null;
      const cred = await tx.credential.findUniqueOrThrow({ where: { id }, include: { app: true } });
      // A production rotation was approved first: name the approver again where it takes effect.
      const approval = cred.replacedById
        ? await tx.approval.findFirst({
            where: { credentialId: id, kind: "REVOKE", status: "APPROVED", issuedCredentialId: cred.replacedById },
            select: { id: true, decidedBy: true },
          })
        : null;
      await recordAudit(tx, {
        // Who asked for it; the headline says the grace period ended (details.scheduled).
        actorId: cred.revokedBy ?? "AppKeys",
        action: "credential.revoked",
        teamId: cred.app.teamId,
        app: cred.app,
        credentialId: id,
        environment: cred.environment,
        reason: cred.revokeReason ?? undefined,
        details: {
          scheduled: true,
          note: cred.revokeNote || undefined,
          replacedBy: cred.replacedById ?? undefined,
          approvalId: approval?.id,
          approvedBy: approval?.decidedBy ?? undefined,
        },
        at: now,
      });
      return cred;
    });
    if (revoked) {
      done++;
      await publishAfterCommit(deps.db, revoked);
    }
  }
  return done;
}

/** After commit: the revoked key and its replacement leave every replica's verification cache. */
export async function publishOutcome(db: Database, o: RevokeOutcome): Promise<void> {
  await publishAfterCommit(db, o.credential);
  if (o.kind !== "requested" && o.replacement) await publishAfterCommit(db, o.replacement.credential);
}
