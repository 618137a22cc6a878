import { z } from "zod";
import type { Prisma } from "../../generated/prisma/client.js";
import type { Actor } from "../apps/access.js";
import { DomainError, type FieldErrors } from "../../shared/errors.js";
import { cleanMultiline, cleanText } from "../../shared/text.js";
import { ENVIRONMENTS, SECRET_IN_TEXT_MESSAGE, containsSecret } from "./key-format.js";

/**
 * The rules of the key lifecycle (generate per environment, revoke now / replace / replace after
 * a grace period), shared by the service and the Slack forms that check input before submitting.
 */

export const REVOKE_ACTIONS = ["now", "replace", "replace_grace"] as const;
export type RevokeAction = (typeof REVOKE_ACTIONS)[number];

export const GRACE_PERIODS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 } as const;
export type GracePeriod = keyof typeof GRACE_PERIODS;

export const REVOKE_REASONS = ["compromised", "routine_rotation", "no_longer_needed", "other"] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

export const LABEL_MAX = 60;
export const NOTE_MAX = 500;

export const REASON_LABEL: Record<RevokeReason, string> = {
  compromised: "Compromised",
  routine_rotation: "Routine rotation",
  no_longer_needed: "No longer needed",
  other: "Other",
};

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

export type CredentialRow = Prisma.CredentialGetPayload<object>;
export type AppWithOwners = Prisma.AppGetPayload<{ include: { owners: true } }>;
export type ApprovalRow = Prisma.ApprovalGetPayload<object>;

/** What an approval request stores (never a secret). */
export const generatePayload = z.object({ environment: z.enum(ENVIRONMENTS), label: z.string().max(LABEL_MAX).default("") });
export const revokePayload = z.object({
  action: z.enum(REVOKE_ACTIONS),
  grace: z.enum(Object.keys(GRACE_PERIODS) as [GracePeriod, ...GracePeriod[]]).optional(),
  reason: z.enum(REVOKE_REASONS),
  note: z.string().max(NOTE_MAX).default(""),
});
export type ParsedRevoke = z.infer<typeof revokePayload>;

/** Field errors for a key's label ("where will this key be used?"). */
export function labelErrors(label: string): FieldErrors {
  const clean = cleanText(label ?? "");
  if (clean.length > LABEL_MAX) return { label: `Keep the label to ${LABEL_MAX} characters.` };
  if (containsSecret(clean)) return { label: SECRET_IN_TEXT_MESSAGE };
  return {};
}

/** The cleaned label, or a DomainError naming the field. */
export function validateLabel(label: string): string {
  const errors = labelErrors(label);
  if (errors.label === SECRET_IN_TEXT_MESSAGE) throw new DomainError("input.contains_secret", {}, errors);
  if (errors.label) throw new DomainError("credential.label_too_long", { max: LABEL_MAX }, errors);
  return cleanText(label ?? "");
}

/** Field errors of a revocation (action, reason, grace, note); what the dialog may leave unset is optional here. */
export function revokeErrors(req: { action?: RevokeAction; reason?: RevokeReason; grace?: GracePeriod; note?: string }): FieldErrors {
  const errors: FieldErrors = {};
  const note = cleanMultiline(req.note ?? "");
  if (!req.action) errors.action = "Pick what to do with the key.";
  if (!req.reason) errors.reason = "Pick a reason.";
  else if (req.reason === "other" && !note) errors.note = "Say why the key is revoked.";
  if (containsSecret(note)) errors.note = SECRET_IN_TEXT_MESSAGE;
  if (req.action === "replace_grace" && !req.grace) errors.grace = "Pick a grace period.";
  return errors;
}

/**
 * Only the parameters that apply to the action: a grace period belongs to "replace_grace" alone.
 * The dialog always submits its grace field's default, and older stored requests carry it too;
 * it must not reach a request, an approval or the audit trail of an action that has no grace.
 */
export function applicableRevoke<T extends { action: RevokeAction; grace?: GracePeriod }>(req: T): T {
  if (req.action === "replace_grace" || !("grace" in req)) return req;
  const { grace: _notApplicable, ...rest } = req;
  return rest as T;
}

/** Whether a stored revocation request issues a new key (a replacement) once carried out. */
export function revokeIssuesKey(payload: unknown): boolean {
  const p = revokePayload.safeParse(payload);
  return p.success && p.data.action !== "now";
}

/** A revocation request checked and cleaned, or a DomainError naming the first bad field. */
export function validateRevoke(req: RevokeRequest): ParsedRevoke {
  const parsed = revokePayload.safeParse(applicableRevoke({ ...req, note: cleanMultiline(req.note ?? "") }));
  if (!parsed.success) throw new DomainError("credential.revoke_invalid", {});
  const p = parsed.data;
  const errors = revokeErrors(p);
  if (errors.note === SECRET_IN_TEXT_MESSAGE) throw new DomainError("input.contains_secret", {}, { note: errors.note });
  if (errors.note) throw new DomainError("credential.revoke_reason_missing", {}, { note: errors.note });
  if (errors.grace) throw new DomainError("credential.grace_missing", {}, { grace: errors.grace });
  return p;
}

/** Field errors of an approver's decision: a rejection says why; no secret in the note. */
export function decisionErrors(decision: "approve" | "reject" | undefined, note: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!decision) errors.decision = "Approve or reject.";
  if (containsSecret(note ?? "")) errors.note = SECRET_IN_TEXT_MESSAGE;
  else if (decision === "reject" && !(note ?? "").trim()) errors.note = "Tell the requester why you reject it.";
  return errors;
}

export function assertRevocable(c: CredentialRow, req: { action: RevokeAction }): void {
  if (c.status === "REVOKED") {
    throw new DomainError("credential.already_revoked", { credentialId: c.id, revokedBy: c.revokedBy ?? undefined });
  }
  if (c.revokeAt && req.action !== "now") throw new DomainError("credential.already_replaced", { credentialId: c.id });
}
