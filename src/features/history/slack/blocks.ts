import { actionWords, detailLines } from "../../audit/slack/blocks.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT } from "../../../platform/slack/ids.js";
import { button, context, header, section, slackDate, type Block } from "../../../platform/slack/blocks.js";
import type { AuditRow, HistoryApp } from "../service.js";

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** "Older" button value: App ID and the oldest event id shown. */
export function olderValue(publicId: string, before: bigint): string {
  return `${publicId} ${before.toString()}`;
}

function eventText(e: AuditRow): string {
  const { emoji, words } = actionWords(e.action);
  const who = USER_ID.test(e.actorId) ? `<@${e.actorId}>` : `_${mrkdwnEscape(truncate(e.actorId, 40))}_`;
  const bits = [
    e.credentialId ? `\`${mrkdwnEscape(truncate(e.credentialId, 60))}\`` : "",
    e.environment ? mrkdwnEscape(e.environment) : "",
    e.reason ? `“${mrkdwnEscape(truncate(e.reason, 200))}”` : "",
  ].filter(Boolean);
  // detailLines escapes what it renders and never echoes a secret-looking value.
  const details = detailLines(e.details).slice(0, 4);
  return truncate(
    [
      `${emoji} *${words}* by ${who} · ${slackDate(e.createdAt, "{date_short_pretty} {time}")}${bits.length ? ` · ${bits.join(" · ")}` : ""}`,
      ...details,
    ].join("\n"),
    2900,
  );
}

/** One page of an app's history (at most 10 events, well within 50 blocks), "Older" when there is more. */
export function historyBlocks(app: HistoryApp, page: { events: AuditRow[]; more: boolean }, first: boolean): Block[] {
  const blocks: Block[] = [header(truncate(`History of ${app.title}`, 150))];
  blocks.push(context(`App ID \`${app.publicId}\`${app.archived ? " · archived" : ""} · newest first${first ? "" : " · older events"}`));
  if (page.events.length === 0) blocks.push(section(first ? "_No events recorded for this app yet._" : "_No older events._"));
  for (const e of page.events) blocks.push(section(eventText(e)), context(`Event #${e.id.toString()}`));
  const oldest = page.events.at(-1);
  if (page.more && oldest) {
    blocks.push({
      type: "actions",
      block_id: "history_page",
      elements: [button("Older", ACT.auditPage, olderValue(app.publicId, oldest.id))],
    });
  }
  return blocks;
}
