import type { Prisma } from "../../generated/prisma/client.js";

export type AuditAction =
  | "app.created"
  | "app.archived"
  | "app.owner_added"
  | "app.owner_removed"
  | "credential.generated"
  | "credential.requested"
  | "credential.revoked"
  | "credential.revoke_scheduled"
  | "credential.revoke_requested"
  | "credential.undelivered"
  | "credential.snoozed"
  | "approval.approved"
  | "approval.rejected"
  | "settings.changed"
  // teams, offboarding, access reviews (src/features/teams, offboarding, reviews)
  | "app.team_added"
  | "app.team_removed"
  | "app.team_members_changed"
  | "app.owner_departed"
  | "app.orphaned"
  | "app.taken_over"
  | "user.offboarded"
  | "user.reactivated"
  | "approval.cancelled"
  | "credential.creator_left"
  | "review.started"
  | "review.answered"
  | "review.closed"
  | "review.unanswered";

export interface AuditInput {
  actorId: string;
  action: AuditAction;
  teamId?: string;
  app?: { id: string; publicId: string; title: string };
  credentialId?: string;
  environment?: string;
  reason?: string;
  details?: Record<string, unknown>;
  at?: Date;
}

/**
 * Audit events are an outbox: always written in the transaction of the change they describe,
 * delivered to the audit channel later by the audit worker (docs/decisions/0004-audit-outbox.md).
 * Never put a secret in `details`.
 */
export async function recordAudit(tx: Prisma.TransactionClient, e: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actorId: e.actorId,
      action: e.action,
      teamId: e.teamId ?? null,
      appId: e.app?.id ?? null,
      appPublicId: e.app?.publicId ?? null,
      appTitle: e.app?.title ?? null,
      credentialId: e.credentialId ?? null,
      environment: e.environment ?? null,
      reason: e.reason ?? null,
      details: (e.details ?? undefined) as Prisma.InputJsonValue | undefined,
      ...(e.at ? { createdAt: e.at, nextAttemptAt: e.at } : {}),
    },
  });
}
