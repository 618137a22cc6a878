import type { Prisma } from "../../generated/prisma/client.js";
import { canManage } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import { DomainError } from "../../shared/errors.js";
import { cleanMultiline } from "../../shared/text.js";
import { SECRET_IN_TEXT_MESSAGE } from "../credentials/key-format.js";
import { issueCredential, lockLiveApp, type IssuedCredential, type LifecycleDeps } from "../credentials/issue.js";
import { publishAfterCommit } from "../credentials/notify.js";
import { executeRevoke, publishOutcome, type RevokeOutcome } from "../credentials/revoke.js";
import { describeRequest } from "./request.js";
import {
  GRACE_PERIODS,
  NOTE_MAX,
  applicableRevoke,
  decisionErrors,
  generatePayload,
  revokePayload,
  type AppWithOwners,
  type ApprovalRow,
  type LifecycleActor,
} from "../credentials/rules.js";

export type DecisionOutcome =
  | { kind: "approved"; approval: ApprovalRow; app: AppWithOwners; revoke?: RevokeOutcome; collectable: boolean }
  | { kind: "rejected"; approval: ApprovalRow; app: AppWithOwners };

export interface CollectOutcome {
  app: AppWithOwners;
  issued: IssuedCredential;
  /** The old key's revocation time, for a replacement with a grace period. */
  revokeAt?: Date;
  replaces?: string;
}

type AppRow = Prisma.AppGetPayload<object>;
type CredentialRow = Prisma.CredentialGetPayload<object>;

/** A pending request with what an approver needs to see about it. */
export interface PendingRequest {
  approval: ApprovalRow;
  app: AppRow;
  credential: CredentialRow | null;
}

/**
 * Two-person rule for production: key requests and revocations wait for an approver, who
 * approves or rejects; an approved key is issued when its requester collects it.
 */
export class ApprovalService {
  constructor(private readonly deps: LifecycleDeps) {}

  /**
   * Approve or reject a pending request. Exactly one decision wins, however many approvers click.
   * An approval never issues a secret by itself: the requester may be away, and an ephemeral
   * message would be lost. Keys are issued when the requester collects them (collect()).
   */
  async decide(actor: LifecycleActor, approvalId: string, decision: "approve" | "reject", note: string): Promise<DecisionOutcome> {
    if (!actor.isApprover) throw new DomainError("approval.decide_forbidden", {});
    const cleanNote = cleanMultiline(note ?? "").slice(0, NOTE_MAX);
    const invalid = decisionErrors(decision, cleanNote);
    if (invalid.note === SECRET_IN_TEXT_MESSAGE) throw new DomainError("input.contains_secret", {}, invalid);
    if (invalid.note) throw new DomainError("approval.reject_note_missing", {}, invalid);
    const now = this.deps.clock();
    const outcome = await this.deps.db.prisma.$transaction(async (tx) => {
      const approval = await tx.approval.findUnique({ where: { id: approvalId }, include: { app: { include: { owners: true } } } });
      if (!approval || approval.app.teamId !== actor.teamId) throw new DomainError("approval.not_found", {});
      const { app, ...row } = approval;
      if (row.status !== "PENDING") {
        throw new DomainError("approval.already_decided", { status: row.status, decidedBy: row.decidedBy ?? undefined });
      }
      if (row.requesterId === actor.userId) throw new DomainError("approval.own_request", {});
      // Requests that can no longer be carried out are cancelled (and that is committed), not left pending forever.
      const credential = row.credentialId ? await tx.credential.findUnique({ where: { id: row.credentialId } }) : null;
      const requester = { userId: row.requesterId, teamId: app.teamId, isAdmin: this.deps.isAdmin(row.requesterId) };
      let obsolete: { note: string; error: DomainError } | undefined;
      if (app.archivedAt) {
        obsolete = { note: "app archived", error: new DomainError("approval.cancelled_app_archived", { title: app.title }) };
      } else if (!canManage(requester, app)) {
        obsolete = {
          note: "requester no longer an owner",
          error: new DomainError("approval.cancelled_not_owner", { requesterId: row.requesterId, title: app.title }),
        };
      } else if (row.kind === "REVOKE" && (!credential || credential.status === "REVOKED")) {
        obsolete = {
          note: "key revoked meanwhile",
          error: new DomainError("approval.cancelled_key_revoked", { credentialId: row.credentialId ?? "" }),
        };
      }
      const request = describeRequest(row, credential);
      if (obsolete) {
        const cancelled = await tx.approval.updateMany({
          where: { id: approvalId, status: "PENDING" },
          data: { status: "CANCELLED", decidedAt: now, decidedBy: actor.userId, decisionNote: obsolete.note },
        });
        if (cancelled.count > 0) {
          await recordAudit(tx, {
            actorId: actor.userId,
            action: "approval.cancelled",
            teamId: app.teamId,
            app,
            credentialId: row.credentialId ?? undefined,
            environment: request.environment,
            reason: obsolete.note,
            details: { approvalId, ...request.details },
            at: now,
          });
        }
        return { kind: "cancelled" as const, app, error: obsolete.error };
      }
      // The conditional update is the lock: a second approver's update finds no PENDING row.
      const won = await tx.approval.updateMany({
        where: { id: approvalId, status: "PENDING" },
        data: {
          status: decision === "approve" ? "APPROVED" : "REJECTED",
          decidedBy: actor.userId,
          decidedAt: now,
          decisionNote: cleanNote || null,
        },
      });
      if (won.count === 0) throw new DomainError("approval.decided_meanwhile", {});
      const decided = {
        ...row,
        status: decision === "approve" ? ("APPROVED" as const) : ("REJECTED" as const),
        decidedBy: actor.userId,
        decidedAt: now,
        decisionNote: cleanNote || null,
      };
      // Why: the approver's note (a rejection always has one); what was asked, in the details.
      await recordAudit(tx, {
        actorId: actor.userId,
        action: decision === "approve" ? "approval.approved" : "approval.rejected",
        teamId: app.teamId,
        app,
        credentialId: row.credentialId ?? undefined,
        environment: request.environment,
        reason: cleanNote || undefined,
        details: { approvalId, ...request.details },
        at: now,
      });
      if (decision === "reject") return { kind: "rejected" as const, approval: decided, app };
      if (row.kind === "GENERATE") return { kind: "approved" as const, approval: decided, app, collectable: true };
      // Requests stored before the grace period was dropped from other actions may still carry it.
      const req = applicableRevoke(revokePayload.parse(row.payload));
      if (req.action === "replace_grace") {
        // The grace period starts when the replacement exists, i.e. when it is collected.
        return { kind: "approved" as const, approval: decided, app, collectable: true };
      }
      // "now" and "replace": the old key goes at once; a replacement waits to be collected.
      const revoke = await executeRevoke(this.deps, tx, {
        credential: credential!,
        app,
        req,
        requesterId: row.requesterId,
        approverId: actor.userId,
        approvalId,
        replacementLater: true,
        now,
      });
      return { kind: "approved" as const, approval: decided, app, revoke, collectable: req.action === "replace" };
    });
    // Thrown after commit: the cancellation stays.
    if (outcome.kind === "cancelled") throw outcome.error;
    if (outcome.kind === "approved" && outcome.revoke) await publishOutcome(this.deps.db, outcome.revoke);
    return outcome;
  }

  /**
   * The requester collects the key an approved request produced: issued now, while they are there
   * to see it. Once only: a second click says where the key went.
   */
  async collect(actor: LifecycleActor, approvalId: string): Promise<CollectOutcome> {
    const now = this.deps.clock();
    const out = await this.deps.db.prisma.$transaction(async (tx) => {
      const approval = await tx.approval.findUnique({ where: { id: approvalId }, include: { app: { include: { owners: true } } } });
      if (!approval || approval.app.teamId !== actor.teamId) throw new DomainError("approval.not_found", {});
      const { app, ...row } = approval;
      if (row.requesterId !== actor.userId) throw new DomainError("approval.collect_forbidden", {});
      if (row.status !== "APPROVED") throw new DomainError("approval.not_approved", { status: row.status });
      if (row.issuedCredentialId) throw new DomainError("approval.already_collected", { credentialId: row.issuedCredentialId });
      await lockLiveApp(tx, app);
      if (!canManage(actor, app)) throw new DomainError("approval.no_longer_owner", { title: app.title });
      const auditDetails = { approvalId, approvedBy: row.decidedBy ?? undefined };
      let result: CollectOutcome;
      if (row.kind === "GENERATE") {
        const p = generatePayload.parse(row.payload);
        const issued = await issueCredential(tx, {
          app,
          teamId: app.teamId,
          environment: p.environment,
          label: p.label,
          createdBy: row.requesterId,
          pepper: this.deps.pepper,
          now,
          auditDetails,
        });
        result = { app, issued };
      } else {
        const req = revokePayload.parse(row.payload);
        const old = await tx.credential.findUnique({ where: { id: row.credentialId ?? "" } });
        if (!old || req.action === "now") throw new DomainError("approval.nothing_to_collect", {});
        const issued = await issueCredential(tx, {
          app,
          teamId: app.teamId,
          environment: old.environment,
          label: old.label,
          createdBy: row.requesterId,
          pepper: this.deps.pepper,
          now,
          auditDetails: { ...auditDetails, replaces: old.id },
        });
        result = { app, issued, replaces: old.id };
        if (req.action === "replace_grace" && req.grace) {
          const revokeAt = new Date(now.getTime() + GRACE_PERIODS[req.grace]);
          const res = await tx.credential.updateMany({
            where: { id: old.id, status: "ACTIVE", revokeAt: null },
            data: {
              revokeAt,
              revokedBy: row.requesterId,
              revokeReason: req.reason,
              revokeNote: req.note || null,
              replacedById: issued.credential.id,
            },
          });
          if (res.count > 0) {
            await recordAudit(tx, {
              actorId: row.requesterId,
              action: "credential.revoke_scheduled",
              teamId: app.teamId,
              app,
              credentialId: old.id,
              environment: old.environment,
              reason: req.reason,
              details: {
                action: req.action,
                grace: req.grace,
                note: req.note || undefined,
                replacedBy: issued.credential.id,
                revokeAt: revokeAt.toISOString(),
                ...auditDetails,
              },
              at: now,
            });
            result.revokeAt = revokeAt;
          }
        } else {
          await tx.credential.updateMany({ where: { id: old.id, replacedById: null }, data: { replacedById: issued.credential.id } });
        }
      }
      const claimed = await tx.approval.updateMany({
        where: { id: approvalId, issuedCredentialId: null },
        data: { issuedCredentialId: result.issued.credential.id, fulfilledAt: now },
      });
      if (claimed.count === 0) throw new DomainError("approval.collected_meanwhile", {});
      return result;
    });
    await publishAfterCommit(this.deps.db, out.issued.credential);
    if (out.replaces) {
      const old = await this.deps.db.prisma.credential.findUnique({ where: { id: out.replaces }, select: { id: true, sharedKey: true } });
      if (old) await publishAfterCommit(this.deps.db, old);
    }
    return out;
  }

  /** A collected key whose secret could not be shown was revoked: let the requester collect again. */
  async releaseCollected(approvalId: string, credentialId: string): Promise<void> {
    await this.deps.db.prisma.approval.updateMany({
      where: { id: approvalId, issuedCredentialId: credentialId },
      data: { issuedCredentialId: null, fulfilledAt: null },
    });
  }

  async getApproval(actor: LifecycleActor, approvalId: string) {
    const approval = await this.deps.db.prisma.approval.findUnique({
      where: { id: approvalId },
      include: { app: { include: { owners: true, endpoints: { include: { endpoint: true } } } } },
    });
    if (!approval || approval.app.teamId !== actor.teamId) throw new DomainError("approval.not_found", {});
    const credential = approval.credentialId
      ? await this.deps.db.prisma.credential.findUnique({ where: { id: approval.credentialId } })
      : null;
    return { approval, credential };
  }

  /** A request with its app and key, for the approvers' DM (null when it no longer exists). */
  async request(approvalId: string): Promise<PendingRequest | null> {
    const prisma = this.deps.db.prisma;
    const found = await prisma.approval.findUnique({ where: { id: approvalId }, include: { app: true } });
    if (!found) return null;
    const { app, ...approval } = found;
    const credential = approval.credentialId ? await prisma.credential.findUnique({ where: { id: approval.credentialId } }) : null;
    return { approval, app, credential };
  }

  /** The workspace's pending requests (live apps only), oldest first: the first `limit`, and how many in all. */
  async pending(teamId: string, limit: number): Promise<{ items: PendingRequest[]; total: number }> {
    const prisma = this.deps.db.prisma;
    const where = { status: "PENDING" as const, app: { teamId, archivedAt: null } };
    const [rows, total] = await Promise.all([
      prisma.approval.findMany({ where, include: { app: true }, orderBy: { createdAt: "asc" }, take: limit }),
      prisma.approval.count({ where }),
    ]);
    const credIds = rows.map((r) => r.credentialId).filter((x): x is string => !!x);
    const creds = new Map((await prisma.credential.findMany({ where: { id: { in: credIds } } })).map((c) => [c.id, c]));
    const items = rows.map(({ app, ...approval }) => ({
      approval,
      app,
      credential: approval.credentialId ? (creds.get(approval.credentialId) ?? null) : null,
    }));
    return { items, total };
  }
}
