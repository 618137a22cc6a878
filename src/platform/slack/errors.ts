import { DomainError, type DomainErrorCode, type DomainErrorParams, type FieldErrors } from "../../shared/errors.js";
import { mrkdwnEscape } from "../../shared/text.js";
import type { Logger } from "../../logger.js";
import { slackApiError } from "./slack-error.js";
import { currentRequestId, newRequestId } from "../request-context.js";

export interface UserFacingError {
  text: string;
  requestId?: string;
}

/** Every parameter, escaped for mrkdwn: a title like `<!channel>` must not ping anyone. */
type Escaped<P> = { [K in keyof P]: P[K] extends number ? number : string };

const by = (userId?: string) => (userId ? ` by <@${userId}>` : "");

/** The words for each domain error code, in mrkdwn. Parameters arrive already escaped. */
const MESSAGES: { [C in DomainErrorCode]: (p: Escaped<DomainErrorParams[C]>) => string } = {
  "app.title_invalid": () => "The title is empty or too long.",
  "app.description_too_long": () => "The description is too long.",
  "app.no_endpoints": () => "Select at least one API endpoint.",
  "app.endpoints_retired": () => "Some selected endpoints are no longer in the catalog.",
  "app.title_taken_meanwhile": (p) => `An app called "${p.title}" was created meanwhile. Nothing was changed.`,
  "app.ref_missing": () => "Tell me which app: `/apps show <App ID or title>`.",
  "app.not_found_by_id": (p) => `No app with App ID \`${p.appId}\`.`,
  "app.not_found_by_title": (p) => `No app of yours is called "${p.title}". Try \`/apps list\`.`,
  "app.details_forbidden": () => "Only the app's owners and AppKeys admins can see its details.",
  "app.archive_forbidden": () => "Only the app's owners and AppKeys admins can archive it.",
  "app.gone": () => "That app no longer exists.",
  "app.archived": (p) => `The app *${p.title}* has been archived.`,
  "app.already_archived": (p) => `*${p.title}* is already archived.`,

  "owners.forbidden": () => "Only the app's owners, its co-owners and AppKeys admins can change who owns it.",
  "owners.not_a_user": () => "Pick a person from your workspace.",
  "owners.already_owner": (p) => `<@${p.userId}> already owns this app.`,
  "owners.already_co_owner": (p) => `<@${p.userId}> is already a co-owner of this app.`,
  "owners.added_meanwhile": (p) => `<@${p.userId}> was made a co-owner of this app meanwhile.`,
  "owners.not_co_owner": (p) => `<@${p.userId}> is not a co-owner of this app.`,
  "owners.original_owner": (p) => `<@${p.userId}> created this app and stays its owner: the original owner can't be removed.`,
  "owners.person_not_found": () => "I can't find that person in this workspace.",
  "owners.not_a_person": (p) => `<@${p.userId}> is a bot or an app: only people can own apps.`,
  "owners.person_deactivated": (p) => `<@${p.userId}>'s account is deactivated.`,
  "owners.stale_button": () => "That button is out of date. Open the app's owners again.",

  "credential.not_found": (p) => `No credential with ID \`${p.credentialId}\`.`,
  "credential.gone": () => "That key no longer exists.",
  "credential.generate_forbidden": () => "Only the app's owners and AppKeys admins can generate its keys.",
  "credential.revoke_forbidden": () => "Only the app's owners, approvers and AppKeys admins can revoke its keys.",
  "credential.replace_forbidden": () => "Approvers who don't own the app can revoke its keys, but not issue replacements. Ask an owner.",
  "credential.label_too_long": (p) => `Keep the label to ${p.max} characters.`,
  "credential.revoke_invalid": () => "That revocation request is not valid.",
  "credential.revoke_reason_missing": () => "Say why the key is revoked.",
  "credential.grace_missing": () => "Pick a grace period.",
  "credential.revoke_pending": (p) => `A revocation of \`${p.credentialId}\` is already waiting for an approver.`,
  "credential.already_revoked": (p) =>
    `Key \`${p.credentialId}\` was already revoked${by(p.revokedBy)}. A revoked key stays revoked. Nothing was changed.`,
  "credential.already_replaced": (p) =>
    `Key \`${p.credentialId}\` has already been replaced and is revoked after its grace period. You can still revoke it now.`,
  "credential.replacement_issued": (p) =>
    `A replacement${p.replacementId ? ` (\`${p.replacementId}\`)` : ""} was already issued for \`${p.credentialId}\`. Nothing was changed.`,
  "credential.changed_meanwhile": (p) => `Key \`${p.credentialId}\` was revoked or replaced meanwhile. Nothing was changed.`,
  "credential.revoked_meanwhile": (p) => `Key \`${p.credentialId}\` was already revoked. Nothing was changed.`,

  "approval.not_found": () => "That request no longer exists.",
  "approval.decide_forbidden": () => "Only approvers can decide on requests.",
  "approval.own_request": () => "You can't decide on your own request: another approver has to.",
  "approval.already_decided": (p) => `This request was already ${p.status.toLowerCase()}${by(p.decidedBy)}. Nothing was changed.`,
  "approval.decided_meanwhile": () => "Another approver decided on this request a moment ago. Nothing was changed.",
  "approval.reject_note_missing": () => "Tell the requester why you reject it.",
  "approval.cancelled_app_archived": (p) =>
    `The app *${p.title}* was archived meanwhile, so the request was cancelled. Nothing else was changed.`,
  "approval.cancelled_not_owner": (p) =>
    `<@${p.requesterId}> is no longer an owner of *${p.title}*, so the request was cancelled. Nothing else was changed.`,
  "approval.cancelled_key_revoked": (p) =>
    `Key \`${p.credentialId}\` was revoked meanwhile, so the request was cancelled. Nothing else was changed.`,
  "approval.collect_forbidden": () => "Only the person who asked for this key can collect it.",
  "approval.not_approved": (p) => `This request is ${p.status.toLowerCase()}: there is no key to collect.`,
  "approval.already_collected": (p) =>
    `You already collected this key (\`${p.credentialId}\`). A secret is shown only once: if it is lost, revoke that key and generate a new one.`,
  "approval.no_longer_owner": (p) => `You are no longer an owner of *${p.title}*.`,
  "approval.nothing_to_collect": () => "This request has no replacement key to collect.",
  "approval.collected_meanwhile": () => "This key was collected a moment ago.",

  "rotation.snooze_forbidden": () => "Only the app's owners and AppKeys admins can snooze its rotation reminders.",
  "rotation.key_revoked": (p) => `Key \`${p.credentialId}\` is revoked: there is nothing to remind you about.`,
  "rotation.key_replacing": (p) => `Key \`${p.credentialId}\` is already being replaced: it will be revoked when its grace period ends.`,

  "settings.forbidden": () => "Only AppKeys admins can change settings.",

  "teams.not_found": (p) =>
    `I can't find the user group \`${p.groupId}\`: it may have been deleted or disabled. Pick a team from Slack's suggestions.`,
  "teams.unreadable": (p) =>
    `I can't read the members of the user group \`${p.groupId}\` (Slack said \`${p.slackError}\`). Ask your Slack admin to let AppKeys read user groups (scope usergroups:read).`,
  "teams.removed": (p) => `The user group @${p.handle} was removed from Slack: it can't own apps any more.`,
  "teams.already_owner": (p) => `@${p.handle} already owns this app.`,
  "teams.not_owner": (p) => `@${p.handle} does not own this app.`,
  "teams.last_owner": (p) => `@${p.handle} is this app's last owner: add a person or another team first, or archive the app.`,
  "offboarding.forbidden": () => "Only AppKeys admins can take over or archive an app left without owners.",
  "offboarding.has_owner": (p) => `*${p.title}* has an owner again: nothing to do.`,
  "audit.forbidden": () => "Only the app's owners, approvers and AppKeys admins can see its history.",
  "review.not_found": () => "This access review no longer exists.",
  "review.forbidden": () => "Only the app's owners and AppKeys admins can answer its access review.",
  "review.closed": (p) =>
    `This access review closed ${p.closedAt}: answers are no longer taken. Revoke keys from \`/apps show\` if needed.`,
  "review.already_answered": (p) => `Already answered: *${p.decision}*${by(p.decidedBy)}.`,
  "review.key_gone": (p) => `Key \`${p.credentialId}\` was revoked meanwhile: nothing to review.`,

  "input.invalid": () => "Check the highlighted fields.",
  // The same words as SECRET_IN_TEXT_MESSAGE in the field (errors.test.ts checks).
  "input.contains_secret": () => "This looks like a secret key. Never paste secrets into AppKeys: remove it.",
};

/** A domain error in words (mrkdwn), every parameter escaped. */
export function domainErrorText(err: DomainError): string {
  const escaped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err.params as Record<string, unknown>)) {
    escaped[k] = typeof v === "string" ? mrkdwnEscape(v) : v;
  }
  const render = MESSAGES[err.code] as (p: Record<string, unknown>) => string;
  return render(escaped);
}

/** Slack errors caused by a slow, repeated or forged click, or a view the user closed meanwhile. */
const USER_TIMING_ERRORS = new Set(["expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id", "not_found", "hash_conflict"]);

/**
 * Turns any failure into words for the user. Domain errors say what is wrong; anything else is
 * logged with a request id (the Slack request's own, when there is one) and the user is told
 * nothing was changed (writes are transactional).
 */
export function describeError(err: unknown, logger: Logger, what: string): UserFacingError {
  if (err instanceof DomainError) return { text: domainErrorText(err) };
  const requestId = currentRequestId() ?? newRequestId();
  const slackError = slackApiError(err);
  // A trigger that expired or was used, a view closed meanwhile: the user's timing, not a fault here.
  const level = slackError && USER_TIMING_ERRORS.has(slackError) ? "warn" : "error";
  logger[level]({ err, requestId, slackError }, `${what} failed`);
  if (slackError) {
    return { text: `Slack refused the request (\`${slackError}\`). Nothing was changed; please try again.`, requestId };
  }
  return { text: "Something went wrong on our side. Nothing was changed; please try again in a moment.", requestId };
}

export function errorText(e: UserFacingError): string {
  return `:warning: ${e.text}${e.requestId ? `\n_Request ID \`${e.requestId}\`_` : ""}`;
}

/**
 * The answer to a view submission that shows field errors next to the inputs
 * (`response_action: "errors"`), input names mapped to the modal's block ids. Field errors are
 * plain text in Slack: nothing to escape, and mentions would show as raw ids.
 */
export function fieldErrorsAck(fields: FieldErrors, blockFor: Record<string, string> = {}) {
  return {
    response_action: "errors" as const,
    errors: Object.fromEntries(Object.entries(fields).map(([k, v]) => [blockFor[k] ?? k, v.slice(0, 2000)])),
  };
}

/** fieldErrorsAck for a DomainError that names fields; undefined for any other failure. */
export function domainFieldErrors(err: unknown, blockFor: Record<string, string> = {}) {
  if (!(err instanceof DomainError) || Object.keys(err.fields).length === 0) return undefined;
  return fieldErrorsAck(err.fields, blockFor);
}
