import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { findKeys, stringsOf } from "../scan.js";
import type { LeakResponder } from "./respond.js";

/** Message subtypes that carry text someone posted; joins, deletions, topic changes… carry none. */
const SCANNED_SUBTYPES = new Set<string | undefined>([
  undefined,
  "bot_message",
  "thread_broadcast",
  "file_share",
  "me_message",
  "message_changed",
]);

/** The fields of a message event (or of `message` inside message_changed) this listener reads. */
interface PostedMessage {
  ts?: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  files?: unknown;
}

interface MessageEvent extends PostedMessage {
  subtype?: string;
  channel?: string;
  message?: PostedMessage;
}

/**
 * Scans every message the bot can read (channels it is in, its DMs, edits) for AppKeys keys.
 * Checksum first: a message without a checksum-valid key costs no database access at all.
 */
export function registerMessageScanning(app: App, s: Services, responder: LeakResponder): void {
  app.event("message", async ({ event, body, context }) => {
    const e = event as unknown as MessageEvent;
    if (!SCANNED_SUBTYPES.has(e.subtype) || !e.channel) return;
    // An edit: the message as it is now (message_changed carries the old one too; it was scanned when posted).
    const m: PostedMessage | undefined = e.subtype === "message_changed" ? e.message : e;
    if (!m?.ts) return;
    // The bot's own messages (a key delivery, a reply quoting an ID) are never leaks.
    const apiAppId = (body as { api_app_id?: string }).api_app_id;
    if (
      (context.botId && m.bot_id === context.botId) ||
      (context.botUserId && m.user === context.botUserId) ||
      (apiAppId && m.app_id === apiAppId)
    )
      return;
    const found = findKeys(stringsOf({ text: m.text, blocks: m.blocks, attachments: m.attachments, files: m.files }));
    if (found.length === 0) return;
    // Slack retries deliveries it thinks were lost: the first delivery of an event id does the work.
    const eventId = (body as { event_id?: string }).event_id;
    if (eventId && !(await responder.leaks.once(`slack-event:${eventId}`))) return;
    const outcomes = await responder.fromSlack(found, {
      kind: "slack",
      channel: e.channel,
      messageTs: m.ts,
      threadTs: m.thread_ts,
      poster: m.user,
    });
    s.logger.info(
      {
        channel: e.channel,
        ts: m.ts,
        keys: outcomes.length,
        revoked: outcomes.filter((o) => o.kind === "revoked").map((o) => o.credential.id),
      },
      "AppKeys key found in a Slack message",
    );
  });
}
