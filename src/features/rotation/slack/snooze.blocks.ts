import type { SnoozeTarget } from "../service.js";
import { SNOOZE_MAX_DAYS, SNOOZE_REASON_MAX } from "../service.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { context, modal, plain, section, slackDate, type Block, type ModalView } from "../../../platform/slack/blocks.js";
import { envText, plural } from "./blocks.js";

/** "Snooze" on a reminder: how many days, and why (the reason goes to the audit log). */
export function snoozeModal(t: SnoozeTarget, now: Date): ModalView {
  const c = t.credential;
  const blocks: Block[] = [
    section(
      [
        `*${mrkdwnEscape(t.app.title)}* (\`${t.app.publicId}\`) · ${envText(c.environment)}${c.label ? ` · ${mrkdwnEscape(c.label)}` : ""}`,
        `\`${c.sharedKey}\` · ID \`${c.id}\``,
      ].join("\n"),
    ),
  ];
  if (c.snoozedUntil && c.snoozedUntil > now) {
    blocks.push(
      context(
        `Already snoozed until ${slackDate(c.snoozedUntil, "{date_short_pretty}")}${c.snoozeReason ? `: ${mrkdwnEscape(truncate(c.snoozeReason, 200))}` : ""}. A new snooze replaces it.`,
      ),
    );
  }
  blocks.push(
    {
      type: "input",
      block_id: BLK.snoozeDays,
      label: plain("Snooze for (days)"),
      element: {
        type: "number_input",
        action_id: ACT.snoozeDays,
        is_decimal_allowed: false,
        min_value: "1",
        max_value: String(SNOOZE_MAX_DAYS),
        initial_value: "7",
      },
      hint: plain(`1 to ${SNOOZE_MAX_DAYS} days. Reminders resume when the snooze ends.`),
    },
    {
      type: "input",
      block_id: BLK.snoozeReason,
      label: plain("Reason"),
      element: {
        type: "plain_text_input",
        action_id: ACT.snoozeReason,
        multiline: true,
        max_length: SNOOZE_REASON_MAX,
        placeholder: plain("e.g. Rotating with the release on the 20th"),
      },
    },
    context("Snoozes are recorded in the audit log with your reason."),
  );
  return modal({
    title: "Snooze reminders",
    callbackId: CB.snooze,
    submit: "Snooze",
    close: "Cancel",
    privateMetadata: JSON.stringify({ c: c.id }),
    blocks,
  });
}

export function snoozedModal(p: { credentialId: string; until: Date; days: number }): ModalView {
  return modal({
    title: "Snooze reminders",
    callbackId: CB.result,
    close: "Close",
    blocks: [
      section(
        `:zzz: Rotation reminders for \`${p.credentialId}\` are snoozed for ${plural(p.days, "day")}, until ${slackDate(p.until, "{date_short_pretty}")}. They resume after that if the key is still due.`,
      ),
    ],
  });
}
