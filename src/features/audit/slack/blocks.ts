import { KEY_SCAN_PATTERN } from "../../credentials/key-format.js";
import { REASON_LABEL } from "../../credentials/rules.js";
import { ACTION_TEXT, GRACE_TEXT } from "../../credentials/slack/blocks.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ENV_EMOJI, ENV_LABEL, context, md, section, slackDate, type Block } from "../../../platform/slack/blocks.js";

/** What the audit channel needs of an audit_event row. */
export interface AuditMessageInput {
  id: bigint | number | string;
  createdAt: Date;
  actorId: string;
  action: string;
  appPublicId?: string | null;
  appTitle?: string | null;
  credentialId?: string | null;
  environment?: string | null;
  reason?: string | null;
  details?: unknown;
}

const ACTIONS: Record<string, { emoji: string; words: string }> = {
  "app.created": { emoji: ":sparkles:", words: "App created" },
  "app.archived": { emoji: ":file_cabinet:", words: "App archived" },
  "app.owner_added": { emoji: ":busts_in_silhouette:", words: "Co-owner added" },
  "app.owner_removed": { emoji: ":bust_in_silhouette:", words: "Co-owner removed" },
  "credential.generated": { emoji: ":key:", words: "API key generated" },
  "credential.requested": { emoji: ":inbox_tray:", words: "API key requested (awaiting approval)" },
  "credential.revoked": { emoji: ":no_entry:", words: "API key revoked" },
  "credential.revoke_scheduled": { emoji: ":hourglass_flowing_sand:", words: "API key revocation scheduled" },
  "credential.revoke_requested": { emoji: ":inbox_tray:", words: "API key revocation requested (awaiting approval)" },
  "credential.undelivered": { emoji: ":warning:", words: "API key revoked: its secret could not be delivered" },
  "credential.snoozed": { emoji: ":zzz:", words: "Rotation reminder snoozed" },
  "approval.approved": { emoji: ":white_check_mark:", words: "Request approved" },
  "approval.rejected": { emoji: ":x:", words: "Request rejected" },
  "approval.cancelled": { emoji: ":heavy_minus_sign:", words: "Request cancelled: it can no longer be carried out" },
  "settings.changed": { emoji: ":gear:", words: "Settings changed" },
  // teams, offboarding, access reviews
  "app.team_added": { emoji: ":busts_in_silhouette:", words: "Team added as owner" },
  "app.team_removed": { emoji: ":bust_in_silhouette:", words: "Team removed as owner" },
  "app.team_members_changed": { emoji: ":busts_in_silhouette:", words: "Owning team's members changed" },
  "app.owner_departed": { emoji: ":door:", words: "Owner left the company" },
  "app.orphaned": { emoji: ":warning:", words: "App left without an owner" },
  "app.taken_over": { emoji: ":raising_hand:", words: "App taken over by an admin" },
  "user.offboarded": { emoji: ":door:", words: "Person offboarded" },
  "user.reactivated": { emoji: ":leftwards_arrow_with_hook:", words: "Person reactivated" },
  "credential.creator_left": { emoji: ":door:", words: "API key flagged: its creator left" },
  "review.started": { emoji: ":mag:", words: "Access review started" },
  "review.answered": { emoji: ":ballot_box_with_check:", words: "Access review answered" },
  "review.unanswered": { emoji: ":hourglass:", words: "Access review: key not confirmed" },
  "review.closed": { emoji: ":mag:", words: "Access review closed" },
};

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const KEY_LIKE = new RegExp(KEY_SCAN_PATTERN, "g");

/** Audit text is built from stored values; keys never belong there, but never echo one. */
function safe(s: string, max: number): string {
  return mrkdwnEscape(
    truncate(
      s.replace(KEY_LIKE, (k) => (k.startsWith("sk_") ? "[redacted]" : k)),
      max,
    ),
  );
}

/** What the event did, in words; a revocation at the end of a grace period says so. */
export function actionWords(action: string, details?: unknown): { emoji: string; words: string } {
  if (action === "credential.revoked" && isRecord(details) && details.scheduled === true) {
    return { emoji: ":no_entry:", words: "API key revoked: its grace period ended" };
  }
  return ACTIONS[action] ?? { emoji: ":memo:", words: safe(action, 80) };
}

/** A word from one of the tables below, never an inherited property ("constructor"). */
function wordFor(table: Record<string, string>, v: unknown): string | undefined {
  return typeof v === "string" && Object.hasOwn(table, v) ? table[v] : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Stored reason codes in words; anything else (a note, a snooze reason) is shown as written. */
const REASONS: Record<string, string> = {
  ...REASON_LABEL,
  app_archived: "App archived",
  undelivered: "The secret could not be delivered",
};

const SETTING_LABEL: Record<string, string> = {
  auditChannelId: "Audit channel",
  rotationChannelId: "Rotation channel",
  rotationDays: "Rotation period",
};

const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
const code = (v: unknown) => (typeof v === "string" && v ? `\`${safe(v, 80)}\`` : undefined);

function settingValue(key: string, v: unknown): string {
  if (v === null || v === undefined || v === "") return "_not set_";
  const s = String(v);
  if (CHANNEL_ID.test(s)) return `<#${s}>`;
  if (key === "rotationDays" && /^\d+$/.test(s)) return `${s} days`;
  return safe(s, 80);
}

/**
 * The details the services record, in reading order: what was asked and its parameters, the
 * keys it links, then the approval. Keys not listed follow in stored order (jsonb does not keep
 * the order they were written in).
 */
const KNOWN: { key: string; label: string | ((action: string) => string); show?: (v: unknown) => string | undefined }[] = [
  { key: "kind", label: "Request", show: (v) => (v === "GENERATE" ? "New production key" : v === "REVOKE" ? "Revocation" : undefined) },
  { key: "requestedBy", label: "Requested by" },
  { key: "requester", label: "Requested by" },
  { key: "action", label: "Action", show: (v) => wordFor(ACTION_TEXT, v) },
  { key: "grace", label: "Grace period", show: (v) => wordFor(GRACE_TEXT, v) },
  { key: "label", label: "Label" },
  { key: "requestReason", label: "Request reason", show: (v) => wordFor(REASONS, v) },
  { key: "requestNote", label: "Request note" },
  { key: "note", label: "Note" },
  { key: "replaces", label: "Replaces", show: code },
  { key: "replacedBy", label: "Replaced by", show: code },
  { key: "replacement", label: "Replacement" },
  { key: "revokeAt", label: "Revoke at" },
  { key: "days", label: "Snoozed for", show: (v) => (typeof v === "number" ? `${v} day${v === 1 ? "" : "s"}` : undefined) },
  { key: "until", label: "Reminders resume" },
  { key: "userId", label: (a) => (a.startsWith("app.owner_") ? "Co-owner" : "User id") },
  { key: "endpoints", label: "Endpoints" },
  { key: "revokedKeys", label: "Keys revoked" },
  { key: "cancelledRequests", label: "Requests cancelled" },
  { key: "approvalId", label: "Approval request", show: code },
  { key: "approvedBy", label: "Approved by" },
  { key: "approval", label: "Approval" },
];
/** Shown another way (the headline says a grace period ended). */
const HIDDEN = new Set(["scheduled"]);

function humanKey(k: string): string {
  const words = k
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function renderValue(key: string, v: unknown): string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v === "string") {
    if (USER_ID.test(v) && /user|by$|^by|requester|approver|owner|actor|decided/i.test(key)) return `<@${v}>`;
    if (ISO_DATE.test(v) && !Number.isNaN(Date.parse(v))) return slackDate(new Date(v));
    return safe(v, 300);
  }
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) return safe(v.join(", "), 300);
  return safe(JSON.stringify(v), 300);
}

/** Detail lines for the message, from the event's `details` JSON (at most 10). */
export function detailLines(details: unknown, action = ""): string[] {
  if (!isRecord(details)) return [];
  const lines: string[] = [];
  const line = (label: string, shown: string | undefined) => {
    if (shown !== undefined && lines.length < 10) lines.push(`*${safe(label, 60)}:* ${shown}`);
  };
  for (const k of KNOWN) {
    const v = details[k.key];
    if (v === null || v === undefined || v === "") continue;
    line(typeof k.label === "string" ? k.label : k.label(action), k.show?.(v) ?? renderValue(k.key, v));
  }
  // Settings: one line per setting changed, from what to what.
  if (Array.isArray(details.changes)) {
    for (const c of details.changes) {
      if (!isRecord(c) || typeof c.key !== "string") continue;
      line(SETTING_LABEL[c.key] ?? humanKey(c.key), `${settingValue(c.key, c.from)} → ${settingValue(c.key, c.to)}`);
    }
  }
  const known = new Set([...KNOWN.map((k) => k.key), ...HIDDEN, "changes"]);
  for (const [k, v] of Object.entries(details)) {
    if (!known.has(k)) line(humanKey(k), renderValue(k, v));
  }
  return lines;
}

/** A Slack user as a mention; anything else (e.g. the scheduler, "system") as plain words. */
function actorText(actorId: string): string {
  return USER_ID.test(actorId) ? `<@${actorId}>` : `_${safe(actorId, 60)}_`;
}

/** One audit-channel message per event: who, what, which app/credential/environment, reason, when. */
export function auditMessage(e: AuditMessageInput): { text: string; blocks: Block[] } {
  const { emoji, words } = actionWords(e.action, e.details);
  const app =
    e.appTitle || e.appPublicId ? `*${safe(e.appTitle ?? "", 150)}*${e.appPublicId ? ` (\`${safe(e.appPublicId, 40)}\`)` : ""}` : undefined;
  const env = e.environment ? `${ENV_EMOJI[e.environment] ?? ""} ${ENV_LABEL[e.environment] ?? safe(e.environment, 40)}`.trim() : undefined;
  const fields = [
    app ? `*App*\n${app}` : undefined,
    e.credentialId ? `*Credential*\n\`${safe(e.credentialId, 60)}\`` : undefined,
    env ? `*Environment*\n${env}` : undefined,
    `*When*\n${slackDate(e.createdAt, "{date_short_pretty} {time_secs}")}`,
    e.reason ? `*Reason*\n${wordFor(REASONS, e.reason) ?? safe(e.reason, 1500)}` : undefined,
  ].filter((f): f is string => f !== undefined);
  const blocks: Block[] = [
    section(`${emoji} *${words}* by ${actorText(e.actorId)}`),
    { type: "section", fields: fields.map((f) => md(f, 2000)) },
  ];
  const lines = detailLines(e.details, e.action);
  if (lines.length) blocks.push(section(lines.join("\n")));
  blocks.push(context(`Audit event #${String(e.id)}`));
  const summary = [
    app ? `${safe(e.appTitle ?? "", 80)}${e.appPublicId ? ` (${safe(e.appPublicId, 40)})` : ""}` : "",
    e.credentialId ? safe(e.credentialId, 60) : "",
    e.environment ? safe(e.environment, 20) : "",
  ]
    .filter(Boolean)
    .join(" · ");
  return { text: truncate(`${words} by ${actorText(e.actorId)}${summary ? `: ${summary}` : ""}`, 3000), blocks };
}
