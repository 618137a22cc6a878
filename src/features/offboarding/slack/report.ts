import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import type { AppRef } from "../../teams/service.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT } from "../../../platform/slack/ids.js";
import { button, context, header, plain, section, type Block } from "../../../platform/slack/blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import type { types } from "@slack/bolt";

/** Apps with buttons in one report (2 blocks each, 50 blocks per message). */
export const MAX_ORPHANS_WITH_BUTTONS = 20;

/** `why` is mrkdwn built by AppKeys (names in it escaped where they are built). */
export type Orphan = AppRef & { why: string };

function archiveButton(o: Orphan): types.Button {
  return {
    ...button("Archive", ACT.orphanArchive, o.publicId, "danger"),
    confirm: {
      title: plain("Archive this app?", 100),
      text: { type: "mrkdwn", text: truncate(`*${mrkdwnEscape(o.title)}* is archived and all its active keys are revoked at once.`, 300) },
      confirm: plain("Archive", 30),
      deny: plain("Cancel", 30),
      style: "danger",
    },
  };
}

/** The admins' report of a run: apps left with no owner, each with "Take over" and "Archive". */
export function orphanReport(orphans: Orphan[]): { text: string; blocks: Block[] } {
  const n = orphans.length;
  const text = `${n} app${n === 1 ? "" : "s"} left without an owner`;
  const blocks: Block[] = [
    header(`:warning: ${text}`),
    section(
      "Nobody owns these apps any more: their owners left or their team was removed. Their keys still work. *Take over* makes you an owner; *Archive* revokes every key.",
    ),
  ];
  for (const o of orphans.slice(0, MAX_ORPHANS_WITH_BUTTONS)) {
    blocks.push(section(`*${mrkdwnEscape(truncate(o.title, 150))}* (\`${o.publicId}\`)\n${truncate(o.why, 300)}`), {
      type: "actions",
      block_id: `orphan_${o.publicId}`,
      elements: [button("Take over", ACT.orphanTakeOver, o.publicId, "primary"), archiveButton(o)],
    });
  }
  const rest = orphans.slice(MAX_ORPHANS_WITH_BUTTONS);
  if (rest.length) {
    blocks.push(
      section(
        truncate(
          `*${rest.length} more:* ${rest.map((o) => `${mrkdwnEscape(truncate(o.title, 60))} (\`${o.publicId}\`)`).join(", ")}`,
          2900,
        ),
      ),
      context("Archive them with `/apps archive <App ID>`, or share them with `/apps share <App ID> @person`."),
    );
  }
  return { text, blocks };
}

/**
 * One DM per admin for a run (a departure event, a team removed, the daily reconcile). Returns the
 * number of admins reached. Without ADMIN_USER_IDS the report goes to the log only.
 */
export async function reportOrphans(s: Services, client: webApi.WebClient, orphans: Orphan[]): Promise<number> {
  if (orphans.length === 0) return 0;
  const unique = [...new Map(orphans.map((o) => [o.id, o])).values()];
  const admins = s.config.ADMIN_USER_IDS;
  if (admins.length === 0) {
    s.logger.error(
      { apps: unique.map((o) => o.publicId) },
      "apps were left without an owner and no admin is configured (ADMIN_USER_IDS) to take them over",
    );
    return 0;
  }
  const message = orphanReport(unique);
  let sent = 0;
  for (const admin of admins) {
    try {
      await client.chat.postMessage({ channel: admin, text: message.text, blocks: message.blocks, unfurl_links: false });
      sent += 1;
    } catch (err) {
      s.logger.warn({ admin, slackError: slackCode(err) }, "could not tell an admin about apps without owner");
    }
  }
  return sent;
}
