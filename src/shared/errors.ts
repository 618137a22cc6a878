/**
 * Errors the domain raises on purpose; anything else is a bug or an outage.
 *
 * A DomainError carries a code and plain parameters (titles, ids, names as typed), never words in
 * a chat markup: the Slack layer (src/platform/slack/errors.ts) turns each code into a sentence
 * and escapes every parameter on the way. Field errors are plain text for a form's inputs.
 */
export interface DomainErrorParams {
  // apps
  "app.title_invalid": Record<string, never>;
  "app.description_too_long": Record<string, never>;
  "app.no_endpoints": Record<string, never>;
  "app.endpoints_retired": Record<string, never>;
  "app.title_taken_meanwhile": { title: string };
  "app.ref_missing": Record<string, never>;
  "app.not_found_by_id": { appId: string };
  "app.not_found_by_title": { title: string };
  "app.details_forbidden": Record<string, never>;
  "app.archive_forbidden": Record<string, never>;
  "app.gone": Record<string, never>;
  "app.archived": { title: string };
  "app.already_archived": { title: string };
  // owners
  "owners.forbidden": Record<string, never>;
  "owners.not_a_user": Record<string, never>;
  "owners.already_owner": { userId: string };
  "owners.already_co_owner": { userId: string };
  "owners.added_meanwhile": { userId: string };
  "owners.not_co_owner": { userId: string };
  "owners.original_owner": { userId: string };
  "owners.person_not_found": Record<string, never>;
  "owners.not_a_person": { userId: string };
  "owners.person_deactivated": { userId: string };
  "owners.stale_button": Record<string, never>;
  // teams (user groups owning apps)
  "teams.not_found": { groupId: string };
  "teams.unreadable": { groupId: string; slackError: string };
  "teams.removed": { handle: string };
  "teams.already_owner": { handle: string };
  "teams.not_owner": { handle: string };
  "teams.last_owner": { handle: string };
  // offboarding (admins' Take over / Archive buttons)
  "offboarding.forbidden": Record<string, never>;
  "offboarding.has_owner": { title: string };
  // audit history
  "audit.forbidden": Record<string, never>;
  // access reviews
  "review.not_found": Record<string, never>;
  "review.forbidden": Record<string, never>;
  "review.closed": { closedAt: string };
  "review.already_answered": { decision: string; decidedBy: string };
  "review.key_gone": { credentialId: string };
  // credentials
  "credential.not_found": { credentialId: string };
  "credential.gone": Record<string, never>;
  "credential.generate_forbidden": Record<string, never>;
  "credential.revoke_forbidden": Record<string, never>;
  "credential.replace_forbidden": Record<string, never>;
  "credential.label_too_long": { max: number };
  "credential.revoke_invalid": Record<string, never>;
  "credential.revoke_reason_missing": Record<string, never>;
  "credential.grace_missing": Record<string, never>;
  "credential.revoke_pending": { credentialId: string };
  "credential.already_revoked": { credentialId: string; revokedBy?: string };
  "credential.already_replaced": { credentialId: string };
  "credential.replacement_issued": { credentialId: string; replacementId?: string };
  "credential.changed_meanwhile": { credentialId: string };
  "credential.revoked_meanwhile": { credentialId: string };
  // approvals
  "approval.not_found": Record<string, never>;
  "approval.decide_forbidden": Record<string, never>;
  "approval.own_request": Record<string, never>;
  "approval.already_decided": { status: string; decidedBy?: string };
  "approval.decided_meanwhile": Record<string, never>;
  "approval.reject_note_missing": Record<string, never>;
  "approval.cancelled_app_archived": { title: string };
  "approval.cancelled_not_owner": { requesterId: string; title: string };
  "approval.cancelled_key_revoked": { credentialId: string };
  "approval.collect_forbidden": Record<string, never>;
  "approval.not_approved": { status: string };
  "approval.already_collected": { credentialId: string };
  "approval.no_longer_owner": { title: string };
  "approval.nothing_to_collect": Record<string, never>;
  "approval.collected_meanwhile": Record<string, never>;
  // rotation reminders
  "rotation.snooze_forbidden": Record<string, never>;
  "rotation.key_revoked": { credentialId: string };
  "rotation.key_replacing": { credentialId: string };
  // settings
  "settings.forbidden": Record<string, never>;
  // any form
  "input.invalid": Record<string, never>;
  "input.contains_secret": Record<string, never>;
}

export type DomainErrorCode = keyof DomainErrorParams;

/** Plain-text messages keyed by input name (title, label, note…), for a form's fields. */
export type FieldErrors = Record<string, string>;

export class DomainError<C extends DomainErrorCode = DomainErrorCode> extends Error {
  constructor(
    readonly code: C,
    readonly params: DomainErrorParams[C],
    /** Field errors keyed by input name, for modals. */
    readonly fields: FieldErrors = {},
  ) {
    // The code, not words: logs and stack traces show which error, the Slack layer says it.
    super(code);
    this.name = "DomainError";
  }
}

/** Prisma P2002, which both driver adapters raise for unique violations (see src/platform/db/database.ts). */
export { isUniqueViolation } from "../platform/db/database.js";
