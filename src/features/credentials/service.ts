import { z } from "zod";
import type { Database } from "../../platform/db/database.js";
import type { PrismaClient, Prisma } from "../../generated/prisma/client.js";
import { canManage, type Actor } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError, isUniqueViolation } from "../../shared/errors.js";
import { ENVIRONMENTS, SECRET_IN_TEXT_MESSAGE, containsSecret, type Environment } from "./key-format.js";
import { publishCredentialChange } from "./notify.js";
import { issueCredential, lockLiveApp, type IssuedCredential } from "./issue.js";

export { issueCredential, revokeUndelivered, type IssuedCredential } from "./issue.js";
import { cleanMultiline, cleanText } from "../../shared/text.js";

// ---------------------------------------------------------------------------------------------
// Lifecycle: generate per environment, revoke (now / replace / replace after a grace period),
// two-person approvals for production, scheduled revocations.
// ---------------------------------------------------------------------------------------------

export const REVOKE_ACTIONS = ["now", "replace", "replace_grace"] as const;
export type RevokeAction = (typeof REVOKE_ACTIONS)[number];

export const GRACE_PERIODS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 } as const;
export type GracePeriod = keyof typeof GRACE_PERIODS;

export const REVOKE_REASONS = ["compromised", "routine_rotation", "no_longer_needed", "other"] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

export const LABEL_MAX = 60;
export const NOTE_MAX = 500;

/** An actor whose approver status has been resolved (APPROVER_USER_IDS or the approver group). */
export interface LifecycleActor extends Actor {
  isApprover: boolean;
}

export interface RevokeRequest {
  action: RevokeAction;
  grace?: GracePeriod;
  reason: RevokeReason;
  note?: string;
}

type CredentialRow = Prisma.CredentialGetPayload<object>;
type AppWithOwners = Prisma.AppGetPayload<{ include: { owners: true } }>;
type ApprovalRow = Prisma.ApprovalGetPayload<object>;

export type GenerateOutcome =
  | { kind: "issued"; app: AppWithOwners; issued: IssuedCredential }
  | { kind: "requested"; app: AppWithOwners; approval: ApprovalRow };

export type RevokeOutcome =
  | { kind: "revoked"; app: AppWithOwners; credential: CredentialRow; replacement?: IssuedCredential }
  | { kind: "scheduled"; app: AppWithOwners; credential: CredentialRow; revokeAt: Date; replacement: IssuedCredential }
  | { kind: "requested"; app: AppWithOwners; credential: CredentialRow; approval: ApprovalRow };

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

const generatePayload = z.object({ environment: z.enum(ENVIRONMENTS), label: z.string().max(LABEL_MAX).default("") });
const revokePayload = z.object({
  action: z.enum(REVOKE_ACTIONS),
  grace: z.enum(Object.keys(GRACE_PERIODS) as [GracePeriod, ...GracePeriod[]]).optional(),
  reason: z.enum(REVOKE_REASONS),
  note: z.string().max(NOTE_MAX).default(""),
});

export const REASON_LABEL: Record<RevokeReason, string> = {
  compromised: "Compromised",
  routine_rotation: "Routine rotation",
  no_longer_needed: "No longer needed",
  other: "Other",
};

export class CredentialService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly pepper?: string,
    /** Whether a user is an AppKeys admin (ADMIN_USER_IDS), for re-checking requesters. */
    private readonly isAdmin: (userId: string) => boolean = () => false,
  ) {}

  private get prisma(): PrismaClient {
    return this.db.prisma;
  }

  /** A credential and its app, if the actor may act on it (owners, co-owners, admins; approvers may revoke). */
  async loadForRevoke(actor: LifecycleActor, credentialId: string): Promise<{ credential: CredentialRow; app: AppWithOwners }> {
    const credential = await this.prisma.credential.findUnique({
      where: { id: credentialId },
      include: { app: { include: { owners: true } } },
    });
    if (!credential || credential.app.teamId !== actor.teamId) throw new DomainError("credential.not_found", { credentialId });
    const { app, ...cred } = credential;
    if (app.archivedAt) throw new DomainError("app.archived", { title: app.title });
    if (!canManage(actor, app) && !actor.isApprover) throw new DomainError("credential.revoke_forbidden", {});
    return { credential: cred, app };
  }

  /** Generate a key: production keys by non-approvers become a request for an approver. */
  async generate(actor: LifecycleActor, app: AppWithOwners, input: { environment: Environment; label: string }): Promise<GenerateOutcome> {
    if (!canManage(actor, app)) throw new DomainError("credential.generate_forbidden", {});
    const label = cleanText(input.label ?? "");
    if (label.length > LABEL_MAX)
      throw new DomainError(
        "credential.label_too_long",
        { max: LABEL_MAX },
        {
          label: `Keep the label to ${LABEL_MAX} characters.`,
        },
      );
    if (containsSecret(label)) throw new DomainError("input.contains_secret", {}, { label: SECRET_IN_TEXT_MESSAGE });
    const now = this.clock();
    if (input.environment === "production" && !actor.isApprover) {
      const approval = await this.prisma.$transaction(async (tx) => {
        await lockLiveApp(tx, app);
        const approval = await tx.approval.create({
          data: {
            kind: "GENERATE",
            appId: app.id,
            requesterId: actor.userId,
            payload: { environment: input.environment, label },
            createdAt: now,
          },
        });
        await recordAudit(tx, {
          actorId: actor.userId,
          action: "credential.requested",
          teamId: app.teamId,
          app,
          environment: input.environment,
          details: { approvalId: approval.id, label: label || undefined },
          at: now,
        });
        return approval;
      });
      return { kind: "requested", app, approval };
    }
    const issued = await this.prisma.$transaction(async (tx) => {
      await lockLiveApp(tx, app);
      return issueCredential(tx, {
        app,
        teamId: app.teamId,
        environment: input.environment,
        label,
        createdBy: actor.userId,
        pepper: this.pepper,
        now,
      });
    });
    await this.published(issued.credential);
    return { kind: "issued", app, issued };
  }

  /**
   * Revoke through the "Revoking the Key" dialog. Production keys need a second person (an
   * approver other than the requester) unless an approver marks the key compromised, which takes
   * effect at once with any grace period ignored.
   */
  async requestRevoke(actor: LifecycleActor, credentialId: string, req: RevokeRequest): Promise<RevokeOutcome> {
    const { credential, app } = await this.loadForRevoke(actor, credentialId);
    const parsed = this.validateRevoke(req);
    if (!canManage(actor, app) && parsed.action !== "now") {
      // A replacement's secret goes to whoever asked: only the app's owners may hold one.
      throw new DomainError("credential.replace_forbidden", {});
    }
    this.assertRevocable(credential, parsed);
    const emergency = parsed.reason === "compromised" && actor.isApprover;
    const now = this.clock();
    if (credential.environment === "production" && !emergency) {
      const approval = await this.prisma
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
    const outcome = await this.prisma.$transaction((tx) =>
      this.executeRevoke(tx, {
        credential,
        app,
        req: emergency ? { ...parsed, action: parsed.action === "now" ? "now" : "replace" } : parsed,
        requesterId: actor.userId,
        approverId: emergency ? actor.userId : undefined,
        now,
      }),
    );
    await this.publishOutcome(outcome);
    return outcome;
  }

  /**
   * Approve or reject a pending request. Exactly one decision wins, however many approvers click.
   * An approval never issues a secret by itself: the requester may be away, and an ephemeral
   * message would be lost. Keys are issued when the requester collects them (collect()).
   */
  async decide(actor: LifecycleActor, approvalId: string, decision: "approve" | "reject", note: string): Promise<DecisionOutcome> {
    if (!actor.isApprover) throw new DomainError("approval.decide_forbidden", {});
    const cleanNote = cleanMultiline(note ?? "").slice(0, NOTE_MAX);
    if (containsSecret(cleanNote)) throw new DomainError("input.contains_secret", {}, { note: SECRET_IN_TEXT_MESSAGE });
    const now = this.clock();
    const outcome = await this.prisma.$transaction(async (tx) => {
      const approval = await tx.approval.findUnique({ where: { id: approvalId }, include: { app: { include: { owners: true } } } });
      if (!approval || approval.app.teamId !== actor.teamId) throw new DomainError("approval.not_found", {});
      const { app, ...row } = approval;
      if (row.status !== "PENDING") {
        throw new DomainError("approval.already_decided", { status: row.status, decidedBy: row.decidedBy ?? undefined });
      }
      if (row.requesterId === actor.userId) throw new DomainError("approval.own_request", {});
      // Requests that can no longer be carried out are cancelled (and that is committed), not left pending forever.
      const credential = row.credentialId ? await tx.credential.findUnique({ where: { id: row.credentialId } }) : null;
      const requester = { userId: row.requesterId, teamId: app.teamId, isAdmin: this.isAdmin(row.requesterId) };
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
      if (obsolete) {
        await tx.approval.updateMany({
          where: { id: approvalId, status: "PENDING" },
          data: { status: "CANCELLED", decidedAt: now, decidedBy: actor.userId, decisionNote: obsolete.note },
        });
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
      await recordAudit(tx, {
        actorId: actor.userId,
        action: decision === "approve" ? "approval.approved" : "approval.rejected",
        teamId: app.teamId,
        app,
        credentialId: row.credentialId ?? undefined,
        details: { approvalId, kind: row.kind, requester: row.requesterId, note: cleanNote || undefined },
        at: now,
      });
      if (decision === "reject") return { kind: "rejected" as const, approval: decided, app };
      if (row.kind === "GENERATE") return { kind: "approved" as const, approval: decided, app, collectable: true };
      const req = revokePayload.parse(row.payload);
      if (req.action === "replace_grace") {
        // The grace period starts when the replacement exists, i.e. when it is collected.
        return { kind: "approved" as const, approval: decided, app, collectable: true };
      }
      // "now" and "replace": the old key goes at once; a replacement waits to be collected.
      const revoke = await this.executeRevoke(tx, {
        credential: credential!,
        app,
        req: { ...req, action: "now" },
        requesterId: row.requesterId,
        approverId: actor.userId,
        now,
      });
      return { kind: "approved" as const, approval: decided, app, revoke, collectable: req.action === "replace" };
    });
    // Thrown after commit: the cancellation stays.
    if (outcome.kind === "cancelled") throw outcome.error;
    if (outcome.kind === "approved" && outcome.revoke) await this.publishOutcome(outcome.revoke);
    return outcome;
  }

  /**
   * The requester collects the key an approved request produced: issued now, while they are there
   * to see it. Once only: a second click says where the key went.
   */
  async collect(actor: LifecycleActor, approvalId: string): Promise<CollectOutcome> {
    const now = this.clock();
    const out = await this.prisma.$transaction(async (tx) => {
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
          pepper: this.pepper,
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
          pepper: this.pepper,
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
              details: { ...auditDetails, revokeAt: revokeAt.toISOString(), replacedBy: issued.credential.id },
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
    await this.published(out.issued.credential);
    if (out.replaces) {
      const old = await this.prisma.credential.findUnique({ where: { id: out.replaces }, select: { id: true, sharedKey: true } });
      if (old) await this.published(old);
    }
    return out;
  }

  /** A collected key whose secret could not be shown was revoked: let the requester collect again. */
  async releaseCollected(approvalId: string, credentialId: string): Promise<void> {
    await this.prisma.approval.updateMany({
      where: { id: approvalId, issuedCredentialId: credentialId },
      data: { issuedCredentialId: null, fulfilledAt: null },
    });
  }

  async getApproval(actor: LifecycleActor, approvalId: string) {
    const approval = await this.prisma.approval.findUnique({
      where: { id: approvalId },
      include: { app: { include: { owners: true, endpoints: { include: { endpoint: true } } } } },
    });
    if (!approval || approval.app.teamId !== actor.teamId) throw new DomainError("approval.not_found", {});
    const credential = approval.credentialId ? await this.prisma.credential.findUnique({ where: { id: approval.credentialId } }) : null;
    return { approval, credential };
  }

  /** Runs grace-period revocations whose time has come. Idempotent; safe on every replica. */
  async executeDueRevocations(limit = 500): Promise<number> {
    const now = this.clock();
    const due = await this.prisma.credential.findMany({
      where: { status: "ACTIVE", revokeAt: { lte: now } },
      select: { id: true },
      orderBy: { revokeAt: "asc" },
      take: limit,
    });
    let done = 0;
    for (const { id } of due) {
      const revoked = await this.prisma.$transaction(async (tx) => {
        const res = await tx.credential.updateMany({
          where: { id, status: "ACTIVE", revokeAt: { lte: now } },
          data: { status: "REVOKED", revokedAt: now },
        });
        if (res.count === 0) return null;
        const cred = await tx.credential.findUniqueOrThrow({ where: { id }, include: { app: true } });
        await recordAudit(tx, {
          actorId: cred.revokedBy ?? "AppKeys",
          action: "credential.revoked",
          teamId: cred.app.teamId,
          app: cred.app,
          credentialId: id,
          environment: cred.environment,
          reason: cred.revokeReason ?? undefined,
          details: { scheduled: true, replacedBy: cred.replacedById ?? undefined },
          at: now,
        });
        return cred;
      });
      if (revoked) {
        done++;
        await this.published(revoked);
      }
    }
    return done;
  }

  private validateRevoke(req: RevokeRequest): z.infer<typeof revokePayload> {
    const parsed = revokePayload.safeParse({ ...req, note: cleanMultiline(req.note ?? "") });
    if (!parsed.success) throw new DomainError("credential.revoke_invalid", {});
    const p = parsed.data;
    if (p.reason === "other" && !p.note)
      throw new DomainError("credential.revoke_reason_missing", {}, { note: "Say why the key is revoked." });
    if (containsSecret(p.note)) throw new DomainError("input.contains_secret", {}, { note: SECRET_IN_TEXT_MESSAGE });
    if (p.action === "replace_grace" && !p.grace) throw new DomainError("credential.grace_missing", {}, { grace: "Pick a grace period." });
    return p;
  }

  private assertRevocable(c: CredentialRow, req: { action: RevokeAction }): void {
    if (c.status === "REVOKED") {
      throw new DomainError("credential.already_revoked", { credentialId: c.id, revokedBy: c.revokedBy ?? undefined });
    }
    if (c.revokeAt && req.action !== "now") {
      throw new DomainError("credential.already_replaced", { credentialId: c.id });
    }
  }

  private async executeRevoke(
    tx: Prisma.TransactionClient,
    p: {
      credential: CredentialRow;
      app: AppWithOwners;
      req: z.infer<typeof revokePayload>;
      requesterId: string;
      approverId?: string;
      now: Date;
    },
  ): Promise<RevokeOutcome> {
    const { credential: c, app, req, now } = p;
    const details = {
      action: req.action,
      grace: req.grace,
      note: req.note || undefined,
      approvedBy: p.approverId && p.approverId !== p.requesterId ? p.approverId : undefined,
    };
    let replacement: IssuedCredential | undefined;
    if (req.action !== "now") {
      replacement = await issueCredential(tx, {
        app,
        teamId: app.teamId,
        environment: c.environment,
        label: c.label,
        createdBy: p.requesterId,
        pepper: this.pepper,
        now,
        auditDetails: { replaces: c.id },
      });
    }
    if (req.action === "replace_grace" && req.grace) {
      const revokeAt = new Date(now.getTime() + GRACE_PERIODS[req.grace]);
      const res = await tx.credential.updateMany({
        // revokeAt: null — of two owners rotating at once, only one issues a replacement.
        where: { id: c.id, status: "ACTIVE", revokeAt: null },
        data: {
          revokeAt,
          revokedBy: p.requesterId,
          revokeReason: req.reason,
          revokeNote: req.note || null,
          replacedById: replacement!.credential.id,
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
      return { kind: "scheduled", app, credential: { ...c, revokeAt }, revokeAt, replacement: replacement! };
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

  private async publishOutcome(o: RevokeOutcome): Promise<void> {
    await this.published(o.credential);
    if (o.kind !== "requested" && o.replacement) await this.published(o.replacement.credential);
  }

  /** After commit: tell every replica's verification cache. A lost notification is covered by its TTL. */
  private async published(c: { id: string; sharedKey: string }): Promise<void> {
    try {
      await publishCredentialChange(this.db, { sharedKey: c.sharedKey, credentialId: c.id });
    } catch {
      // The change is committed; caches fall back to their short TTL.
    }
  }
}
