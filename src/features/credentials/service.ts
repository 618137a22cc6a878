import type { Database } from "../../platform/db/database.js";
import type { Clock } from "../../shared/clock.js";
import { ApprovalService, type CollectOutcome, type DecisionOutcome } from "../approvals/service.js";
import { generateKey, type GenerateOutcome } from "./generate.js";
import { revokeUndelivered, type LifecycleDeps } from "./issue.js";
import type { Environment } from "./key-format.js";
import { publishAfterCommit } from "./notify.js";
import { executeDueRevocations, loadForRevoke, requestRevoke, type RevokeOutcome } from "./revoke.js";
import type { AppWithOwners, CredentialRow, LifecycleActor, RevokeRequest } from "./rules.js";

// What the Slack side of the feature reads from here; the verbs' own files hold the rest.
export type { IssuedCredential } from "./issue.js";
export type { RevokeOutcome } from "./revoke.js";
export type { DecisionOutcome } from "../approvals/service.js";
export {
  GRACE_PERIODS,
  LABEL_MAX,
  NOTE_MAX,
  REASON_LABEL,
  REVOKE_ACTIONS,
  REVOKE_REASONS,
  type GracePeriod,
  type LifecycleActor,
  type RevokeAction,
  type RevokeReason,
} from "./rules.js";

/**
 * The key lifecycle: generate per environment, revoke (now / replace / replace after a grace
 * period), two-person approvals for production, scheduled revocations. Each verb lives in its
 * own file (generate.ts, revoke.ts, issue.ts; approvals in features/approvals/service.ts).
 */
export class CredentialService {
  private readonly deps: LifecycleDeps;
  private readonly approvals: ApprovalService;

  constructor(
    db: Database,
    clock: Clock,
    pepper?: string,
    /** Whether a user is an AppKeys admin (ADMIN_USER_IDS), for re-checking requesters. */
    isAdmin: (userId: string) => boolean = () => false,
  ) {
    this.deps = { db, clock, pepper, isAdmin };
    this.approvals = new ApprovalService(this.deps);
  }

  /** A credential and its app, if the actor may act on it (owners, co-owners, admins; approvers may revoke). */
  loadForRevoke(actor: LifecycleActor, credentialId: string): Promise<{ credential: CredentialRow; app: AppWithOwners }> {
    return loadForRevoke(this.deps, actor, credentialId);
  }

  /** Generate a key: production keys by non-approvers become a request for an approver. */
  generate(actor: LifecycleActor, app: AppWithOwners, input: { environment: Environment; label: string }): Promise<GenerateOutcome> {
    return generateKey(this.deps, actor, app, input);
  }

  /** Revoke through the "Revoking the Key" dialog (production keys need a second person). */
  requestRevoke(actor: LifecycleActor, credentialId: string, req: RevokeRequest): Promise<RevokeOutcome> {
    return requestRevoke(this.deps, actor, credentialId, req);
  }

  /** Approve or reject a pending request (see ApprovalService.decide). */
  decide(actor: LifecycleActor, approvalId: string, decision: "approve" | "reject", note: string): Promise<DecisionOutcome> {
    return this.approvals.decide(actor, approvalId, decision, note);
  }

  /** The requester collects the key an approved request produced (see ApprovalService.collect). */
  collect(actor: LifecycleActor, approvalId: string): Promise<CollectOutcome> {
    return this.approvals.collect(actor, approvalId);
  }

  /** A collected key whose secret could not be shown was revoked: let the requester collect again. */
  releaseCollected(approvalId: string, credentialId: string): Promise<void> {
    return this.approvals.releaseCollected(approvalId, credentialId);
  }

  getApproval(actor: LifecycleActor, approvalId: string) {
    return this.approvals.getApproval(actor, approvalId);
  }

  /** A secret that reached nobody must not stay usable: revoke it at once (false: already revoked). */
  async revokeUndelivered(credential: { id: string; sharedKey: string }, by: { userId: string; teamId: string }): Promise<boolean> {
    const revoked = await revokeUndelivered(this.deps.db.prisma, this.deps.clock, {
      credentialId: credential.id,
      actorId: by.userId,
      teamId: by.teamId,
    });
    await publishAfterCommit(this.deps.db, credential);
    return revoked;
  }

  /** Runs grace-period revocations whose time has come. Idempotent; safe on every replica. */
  executeDueRevocations(limit = 500): Promise<number> {
    return executeDueRevocations(this.deps, limit);
  }
}
