import { canManage } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import { DomainError } from "../../shared/errors.js";
import type { Environment } from "./key-format.js";
import { issueCredential, lockLiveApp, type IssuedCredential, type LifecycleDeps } from "./issue.js";
import { publishAfterCommit } from "./notify.js";
import { validateLabel, type AppWithOwners, type ApprovalRow, type LifecycleActor } from "./rules.js";

export type GenerateOutcome =
  | { kind: "issued"; app: AppWithOwners; issued: IssuedCredential }
  | { kind: "requested"; app: AppWithOwners; approval: ApprovalRow };

/** Generate a key: production keys by non-approvers become a request for an approver. */
export async function generateKey(
  deps: LifecycleDeps,
  actor: LifecycleActor,
  app: AppWithOwners,
  input: { environment: Environment; label: string },
): Promise<GenerateOutcome> {
  if (!canManage(actor, app)) throw new DomainError("credential.generate_forbidden", {});
  const label = validateLabel(input.label);
  const now = deps.clock();
  if (input.environment === "production" && !actor.isApprover) {
    const approval = await deps.db.prisma.$transaction(async (tx) => {
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
  const issued = await deps.db.prisma.$transaction(async (tx) => {
    await lockLiveApp(tx, app);
    return issueCredential(tx, {
      app,
      teamId: app.teamId,
      environment: input.environment,
      label,
      createdBy: actor.userId,
      pepper: deps.pepper,
      now,
    });
  });
  await publishAfterCommit(deps.db, issued.credential);
  return { kind: "issued", app, issued };
}
