import type { types } from "@slack/bolt";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT } from "../../../platform/slack/ids.js";
import { button, chunkLines, context, header, plain, section, slackDate, type Block } from "../../../platform/slack/blocks.js";
import type { CloseResult, ReviewNoticeContent } from "../service.js";

/** Keys with their own buttons in one DM (2 blocks each; 50 blocks per message). */
export const MAX_KEYS_WITH_BUTTONS = 20;

/** Button values: review id, app id and, per key, the credential id. */
export function keyValue(reviewId: string, appId: string, credentialId: string): string {
  return `${reviewId} ${appId} ${credentialId}`;
}
export function allValue(reviewId: string, appId: string): string {
  return `${reviewId} ${appId}`;
}

function revokeConfirm(text: string): types.ConfirmationDialog {
  return {
    title: plain("Revoke now?", 100),
    text: { type: "mrkdwn", text: truncate(text, 300) },
    confirm: plain("Revoke", 30),
    deny: plain("Cancel", 30),
    style: "danger",
  };
}

function answerText(k: ReviewNoticeContent["keys"][number]): string | undefined {
  if (k.decision === "keep") return `:white_check_mark: Kept${k.decidedBy ? ` by <@${k.decidedBy}>` : ""}`;
  if (k.decision === "revoke") return `:no_entry: Revoked${k.decidedBy ? ` by <@${k.decidedBy}>` : ""}`;
  if (k.status !== "ACTIVE") return ":white_circle: Revoked meanwhile";
  return undefined;
}

/** One owner's DM about one app: its production keys, Keep or Revoke each, or all at once. */
export function reviewMessage(c: ReviewNoticeContent): { text: string; blocks: Block[] } {
  const title = mrkdwnEscape(truncate(c.app.title, 150));
  const open = c.keys.filter((k) => !answerText(k));
  const text = `Access review: ${truncate(c.app.title, 80)} has ${c.keys.length} production key(s) to confirm`;
  const blocks: Block[] = [
    header(":mag: Quarterly access review"),
    section(
      `*${title}* (\`${c.app.publicId}\`) has ${c.keys.length} production key${c.keys.length === 1 ? "" : "s"}. ` +
        `Does each still need access? *Keep* it or *Revoke* it (at once). Any owner may answer; the first answer counts.\n` +
        (c.review.closedAt
          ? `This review closed ${slackDate(c.review.closedAt, "{date_short_pretty}")}.`
          : `Unanswered keys are ${c.review.enforced ? "*revoked*" : "reported to the admins"} ${slackDate(c.review.closesAt, "{date_short_pretty} {time}")}.`),
    ),
  ];
  for (const k of c.keys.slice(0, MAX_KEYS_WITH_BUTTONS)) {
    const line =
      `\`${k.credentialId}\`${k.label ? ` · ${mrkdwnEscape(truncate(k.label, 60))}` : ""} · \`${k.sharedKey}\`\n` +
      `Created ${slackDate(k.createdAt, "{date_short_pretty}")} · ${k.lastUsedAt ? `last used ${slackDate(k.lastUsedAt, "{date_short_pretty}")}` : "never used"}`;
    const answered = answerText(k);
    blocks.push(section(answered ? `${line}\n${answered}` : line));
    if (!answered && !c.review.closedAt) {
      blocks.push({
        type: "actions",
        block_id: `review_${k.credentialId}`,
        elements: [
          button("Keep", ACT.reviewKeep, keyValue(c.review.id, c.app.id, k.credentialId), "primary"),
          {
            ...button("Revoke", ACT.reviewRevoke, keyValue(c.review.id, c.app.id, k.credentialId), "danger"),
            confirm: revokeConfirm(`Key \`${k.credentialId}\` of *${title}* stops working at once.`),
          },
        ],
      });
    }
  }
  if (c.keys.length > MAX_KEYS_WITH_BUTTONS) {
    blocks.push(
      context(
        `${c.keys.length - MAX_KEYS_WITH_BUTTONS} more keys: answer them all at once below, or see \`/apps show ${c.app.publicId}\`.`,
      ),
    );
  }
  if (open.length > 0 && !c.review.closedAt) {
    blocks.push({
      type: "actions",
      block_id: "review_all",
      elements: [
        button(`Keep all (${open.length})`, ACT.reviewKeepAll, allValue(c.review.id, c.app.id)),
        {
          ...button(`Revoke all (${open.length})`, ACT.reviewRevokeAll, allValue(c.review.id, c.app.id), "danger"),
          confirm: revokeConfirm(`All ${open.length} unanswered production keys of *${title}* stop working at once.`),
        },
      ],
    });
  }
  return { text, blocks };
}

const ids = (xs: string[]) => xs.map((x) => `\`${x}\``).join(", ");

/** The audit channel's summary of a closed review: kept, revoked, unanswered, per app. */
export function summaryMessages(r: CloseResult): Array<{ text: string; blocks: Block[] }> {
  const sum = (k: "kept" | "revoked" | "unanswered" | "enforced") => r.apps.reduce((n, a) => n + a[k].length, 0);
  const headline =
    `Access review closed: ${sum("kept")} kept, ${sum("revoked")} revoked, ` +
    `${sum("unanswered") + sum("enforced")} unanswered${r.enforced ? ` (${sum("enforced")} revoked)` : ""} in ${r.apps.length} app(s)`;
  const lines = r.apps.map((a) => {
    const parts = [
      `${a.kept.length} kept`,
      `${a.revoked.length} revoked`,
      `${a.unanswered.length + a.enforced.length} unanswered${a.enforced.length ? ` (revoked: ${ids(a.enforced)})` : a.unanswered.length ? ` (${ids(a.unanswered)})` : ""}`,
    ];
    return `• *${mrkdwnEscape(truncate(a.app.title, 80))}* (\`${a.app.publicId}\`): ${parts.join(" · ")}`;
  });
  const chunks = chunkLines(lines.length ? lines : ["_No production keys were under review._"], 2900);
  // 40 sections per message, well under the 50-block and text limits.
  const out: Array<{ text: string; blocks: Block[] }> = [];
  for (let i = 0; i < chunks.length; i += 40) {
    const part = chunks.slice(i, i + 40).map((c) => section(c));
    out.push({ text: headline, blocks: i === 0 ? [header(":mag: Access review closed"), section(headline), ...part] : part });
  }
  return out;
}

/** The admins' report of unanswered keys (not enforced: they decide). */
export function unansweredReport(r: CloseResult): { text: string; blocks: Block[] } | undefined {
  const apps = r.apps.filter((a) => a.unanswered.length);
  if (apps.length === 0) return undefined;
  const n = apps.reduce((k, a) => k + a.unanswered.length, 0);
  const text = `${n} production key(s) were not confirmed in the access review`;
  const lines = apps.map(
    (a) =>
      `• *${mrkdwnEscape(truncate(a.app.title, 80))}* (\`${a.app.publicId}\`): ${ids(a.unanswered)}${
        a.owners.length
          ? ` · owners ${a.owners
              .slice(0, 5)
              .map((o) => `<@${o}>`)
              .join(", ")}`
          : " · no owner"
      }`,
  );
  return {
    text,
    blocks: [
      header(":warning: Unconfirmed production keys"),
      section(`${text}. They still work. Revoke them with \`/apps keys revoke <credential ID>\` or ask their owners.`),
      ...chunkLines(lines, 2900)
        .slice(0, 40)
        .map((c) => section(c)),
    ],
  };
}

/** Owners told that unanswered keys were revoked (ACCESS_REVIEW_ENFORCE). */
export function enforcedText(a: CloseResult["apps"][number]): string {
  return `:no_entry: The access review of *${mrkdwnEscape(a.app.title)}* (\`${a.app.publicId}\`) closed without an answer for ${ids(a.enforced)}: ${a.enforced.length === 1 ? "it was" : "they were"} revoked. Generate a new key with \`/apps keys generate ${a.app.publicId}\` if it is still needed.`;
}
