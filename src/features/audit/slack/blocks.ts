import { KEY_SCAN_PATTERN } from "../../credentials/key-format.js";
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
  "approval.cancelled": { emoji: ":heavy_multiplication_x:", words: "Request cancelled" },
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

export function actionWords(action: string): { emoji: string; words: string } {
  return ACTIONS[action] ?? { emoji: ":memo:", words: safe(action, 80) };
}

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
export function detailLines(details: unknown): string[] {
  if (!details || typeof details !== "object" || Array.isArray(details)) return [];
  const lines: string[] = [];
  for (const [k, v] of Object.entries(details as Record<string, unknown>)) {
    const shown = renderValue(k, v);
    if (shown !== undefined) lines.push(`*${safe(humanKey(k), 60)}:* ${shown}`);
    if (lines.length >= 10) break;
  }
  return lines;
}

/** A Slack user as a mention; anything else (e.g. the scheduler, "system") as plain words. */
function actorText(actorId: string): string {
  return USER_ID.test(actorId) ? `<@${actorId}>` : `_${safe(actorId, 60)}_`;
}

/** One audit-channel message per event: who, what, which app/credential/environment, reason, when. */
export function auditMessage(e: AuditMessageInput): { text: string; blocks: Block[] } {
  const { emoji, words } = actionWords(e.action);
  const app =
    e.appTitle || e.appPublicId ? `*${safe(e.appTitle ?? "", 150)}*${e.appPublicId ? ` (\`${safe(e.appPublicId, 40)}\`)` : ""}` : undefined;
  const env = e.environment ? `${ENV_EMOJI[e.environment] ?? ""} ${ENV_LABEL[e.environment] ?? safe(e.environment, 40)}`.trim() : undefined;
  const fields = [
    app ? `*App*\n${app}` : undefined,
    e.credentialId ? `*Credential*\n\`${safe(e.credentialId, 60)}\`` : undefined,
    env ? `*Environment*\n${env}` : undefined,
    `*When*\n${slackDate(e.createdAt, "{date_short_pretty} {time_secs}")}`,
    e.reason ? `*Reason*\n${safe(e.reason, 1500)}` : undefined,
  ].filter((f): f is string => f !== undefined);
  const blocks: Block[] = [
    section(`${emoji} *${words}* by ${actorText(e.actorId)}`),
    { type: "section", fields: fields.map((f) => md(f, 2000)) },
  ];
  const lines = detailLines(e.details);
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
