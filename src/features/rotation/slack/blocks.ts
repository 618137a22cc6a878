import type { Digest, DigestKey } from "../service.js";
import { SNOOZE_MAX_DAYS, stageRank } from "../service.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT } from "../../../platform/slack/ids.js";
import {
  ENV_EMOJI,
  ENV_LABEL,
  button,
  chunkLines,
  context,
  header,
  section,
  slackDate,
  type Block,
} from "../../../platform/slack/blocks.js";

/** Slack's limits for one message, with room to spare: 50 blocks, ~12k characters of text. */
export const MESSAGE_MAX_BLOCKS = 50;
export const MESSAGE_MAX_TEXT = 11_000;
/** Keys listed with their own buttons in one recipient's reminder; the rest are listed as text. */
export const MAX_KEYS_WITH_BUTTONS = 100;

export interface OutgoingMessage {
  text: string;
  blocks: Block[];
  /** Reminder rows this message delivers: marked sent once Slack accepts it. */
  reminderIds: string[];
}

import { textLength } from "../../../platform/slack/blocks.js";
export { textLength };

interface Unit {
  blocks: Block[];
  ids: string[];
}

/**
 * Packs units into messages within the block and text limits, leaving one block and some text
 * for the "part i of n" line added to later parts. A unit is never split.
 */
function pack(units: Unit[]): Unit[] {
  const out: Unit[] = [];
  let cur: Unit = { blocks: [], ids: [] };
  let text = 0;
  for (const u of units) {
    const t = textLength(u.blocks);
    if (cur.blocks.length && (cur.blocks.length + u.blocks.length > MESSAGE_MAX_BLOCKS - 1 || text + t > MESSAGE_MAX_TEXT - 100)) {
      out.push(cur);
      cur = { blocks: [], ids: [] };
      text = 0;
    }
    cur.blocks.push(...u.blocks);
    cur.ids.push(...u.ids);
    text += t;
  }
  if (cur.blocks.length) out.push(cur);
  return out;
}

function withParts(parts: Unit[], text: (i: number, n: number) => string): OutgoingMessage[] {
  return parts.map((p, i) => ({
    text: text(i, parts.length),
    blocks: i === 0 ? p.blocks : [context(`_Continued — part ${i + 1} of ${parts.length}_`), ...p.blocks],
    reminderIds: p.ids,
  }));
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function dueText(daysLeft: number, dueAt: Date): string {
  const date = slackDate(dueAt, "{date_short_pretty}");
  if (daysLeft > 1) return `Due for rotation in ${daysLeft} days (${date})`;
  if (daysLeft === 1) return `Due for rotation *tomorrow* (${date})`;
  if (daysLeft === 0) return `Due for rotation *today*`;
  return `*Overdue* by ${plural(-daysLeft, "day")} (was due ${date})`;
}

export function envText(environment: string): string {
  return `${ENV_EMOJI[environment] ?? ""} ${ENV_LABEL[environment] ?? environment}`.trim();
}

// ------------------------------------------------------------------------ owner reminders

export interface ReminderItem {
  reminderId: string;
  /** Row stage, `due-7@U123` or `due-7`. */
  stage: string;
  daysLeft: number;
  dueAt: Date;
  credentialId: string;
  environment: string;
  label: string;
  sharedKey: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  appTitle: string;
  appPublicId: string;
  /** Whoever created or received the key left the company (offboarding flagged it). */
  creatorLeft?: boolean;
}

const STAGE_HEADINGS: Array<{ test: (rank: number) => boolean; title: string }> = [
  { test: (r) => r >= 3, title: ":red_circle: *Overdue*" },
  { test: (r) => r === 2, title: ":large_orange_circle: *Due now*" },
  { test: (r) => r === 1, title: ":large_yellow_circle: *Due within 7 days*" },
  { test: (r) => r === 0, title: ":white_circle: *Due within 14 days*" },
];

function headingOf(stage: string): string {
  const rank = stageRank(stage);
  return (STAGE_HEADINGS.find((h) => h.test(rank)) ?? STAGE_HEADINGS[3]!).title;
}

/**
 * One recipient's reminder for one run: every key listed once, most urgent first, each with
 * "Rotate now" (or "Revoke" for a key never used) and "Snooze". Several messages when it does not
 * fit one; past MAX_KEYS_WITH_BUTTONS keys the rest are listed as plain lines.
 */
export function reminderMessages(items: ReminderItem[], opts: { rotationDays: number }): OutgoingMessage[] {
  if (items.length === 0) return [];
  const sorted = [...items].sort(
    (a, b) =>
      stageRank(b.stage) - stageRank(a.stage) ||
      a.daysLeft - b.daysLeft ||
      a.appTitle.localeCompare(b.appTitle) ||
      a.credentialId.localeCompare(b.credentialId),
  );
  const overdue = sorted.filter((i) => i.daysLeft < 0).length;
  const summary =
    overdue > 0
      ? `${plural(sorted.length, "API key")} to rotate, ${overdue} overdue`
      : `${plural(sorted.length, "API key")} due for rotation soon`;
  const units: Unit[] = [
    {
      blocks: [
        header(`:key: ${summary}`),
        section(
          `AppKeys recommends rotating API keys every *${opts.rotationDays} days*. *Rotate now* issues a replacement key at once and revokes the old one after a grace period, so your app can switch over. *Snooze* pauses these reminders for a key for up to ${SNOOZE_MAX_DAYS} days.`,
        ),
      ],
      ids: [],
    },
  ];
  const withButtons = sorted.slice(0, MAX_KEYS_WITH_BUTTONS);
  const rest = sorted.slice(MAX_KEYS_WITH_BUTTONS);
  let heading = "";
  for (const i of withButtons) {
    const blocks: Block[] = [];
    const h = headingOf(i.stage);
    if (h !== heading) {
      blocks.push(section(h));
      heading = h;
    }
    const never = i.lastUsedAt === null;
    const lines = [
      `*${mrkdwnEscape(truncate(i.appTitle, 80))}* · ${envText(i.environment)}${i.label ? ` · ${mrkdwnEscape(truncate(i.label, 60))}` : ""}`,
      `\`${i.sharedKey}\` · ID \`${i.credentialId}\` · created ${slackDate(i.createdAt, "{date_short_pretty}")}`,
      dueText(i.daysLeft, i.dueAt),
    ];
    if (i.creatorLeft) lines.push(":door: *Creator left.* The person who created or received this key has left: rotate it.");
    if (never) lines.push(":ghost: *Never used.* If nothing needs this key any more, revoke it instead of rotating it.");
    blocks.push(section(lines.join("\n")));
    blocks.push({
      type: "actions",
      block_id: `rotation_${i.credentialId}`,
      elements: [
        never ? button("Revoke", ACT.revoke, i.credentialId, "danger") : button("Rotate now", ACT.rotate, i.credentialId, "primary"),
        button("Snooze", ACT.snooze, i.credentialId),
      ],
    });
    units.push({ blocks, ids: [i.reminderId] });
  }
  if (rest.length) {
    units.push({
      blocks: [section(`*${plural(rest.length, "more key")}* — open each app with \`/apps show <App ID>\` to rotate them:`)],
      ids: [],
    });
    const lines = rest.map(
      (i) =>
        `• *${mrkdwnEscape(truncate(i.appTitle, 60))}* \`${i.appPublicId}\` · ${envText(i.environment)} · \`${i.credentialId}\` — ${dueText(i.daysLeft, i.dueAt)}`,
    );
    // One unit per section, carrying the rows its lines list.
    let at = 0;
    for (const chunk of chunkLines(lines, 2900)) {
      const n = chunk.split("\n").length;
      units.push({ blocks: [section(chunk)], ids: rest.slice(at, at + n).map((i) => i.reminderId) });
      at += n;
    }
  }
  return withParts(pack(units), (i, n) => `:key: ${summary}${n > 1 ? ` (part ${i + 1} of ${n})` : ""}`);
}

// -------------------------------------------------------------------------------- digest

function keyLine(k: DigestKey): string {
  const when =
    k.daysLeft < 0 ? `overdue by ${plural(-k.daysLeft, "day")}` : k.daysLeft === 0 ? "due today" : `due in ${plural(k.daysLeft, "day")}`;
  return `• \`${k.credentialId}\`${k.label ? ` ${mrkdwnEscape(truncate(k.label, 60))}` : ""} — ${when}${k.neverUsed ? " · never used" : ""}`;
}

/**
 * The rotation channel's digest of one run: counts, then keys grouped by app and environment.
 * Chunked into as many messages as Slack's limits need; keys beyond the listed ones are counted.
 */
export function digestMessages(d: Digest, opts: { rotationDays: number }): OutgoingMessage[] {
  if (d.total === 0) return [];
  const c = d.counts;
  const summary = `${plural(d.total, "API key")} due for rotation: ${c.overdue} overdue, ${c.dueToday} due today, ${c.due7} within 7 days, ${c.due14} within 14 days`;
  const extra: string[] = [];
  if (c.snoozed) extra.push(`${plural(c.snoozed, "key")} snoozed`);
  if (c.rotating) extra.push(`${plural(c.rotating, "key")} being replaced (grace period)`);
  const units: Unit[] = [
    {
      blocks: [
        header(":arrows_counterclockwise: Key rotation digest"),
        section(
          [
            `*${plural(d.total, "API key")}* due for rotation (every ${opts.rotationDays} days):`,
            `:red_circle: *${c.overdue}* overdue · :large_orange_circle: *${c.dueToday}* due today · :large_yellow_circle: *${c.due7}* within 7 days · :white_circle: *${c.due14}* within 14 days`,
          ].join("\n"),
        ),
        ...(extra.length ? [context(`Not listed: ${extra.join(", ")}.`)] : []),
      ],
      ids: [],
    },
  ];
  const groups = new Map<string, DigestKey[]>();
  for (const k of d.keys) {
    const g = `${k.appPublicId}\u0000${k.environment}`;
    const list = groups.get(g) ?? [];
    list.push(k);
    groups.set(g, list);
  }
  for (const keys of groups.values()) {
    const first = keys[0]!;
    const overdue = keys.filter((k) => k.daysLeft < 0).length;
    const title = `*${mrkdwnEscape(truncate(first.appTitle, 80))}* \`${first.appPublicId}\` · ${envText(first.environment)} — ${plural(keys.length, "key")}${overdue ? `, ${overdue} overdue` : ""}`;
    const chunks = chunkLines(keys.map(keyLine), 2800);
    chunks.forEach((chunk, i) => {
      units.push({ blocks: [section(`${title}${i > 0 ? " _(continued)_" : ""}\n${chunk}`)], ids: [] });
    });
  }
  const unlisted = d.total - d.keys.length;
  if (unlisted > 0) units.push({ blocks: [context(`…and ${plural(unlisted, "more key")} not listed here.`)], ids: [] });
  return withParts(pack(units), (i, n) => `Key rotation digest: ${summary}${n > 1 ? ` (part ${i + 1} of ${n})` : ""}`);
}
