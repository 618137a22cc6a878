/** chat.postMessage / postEphemeral / update / delete, and the channel messages they leave. */
import { Checker, hasText, invalidArguments } from "./check.js";
import { checkMessage } from "./limits.js";
import type { ApiAnswer, JsonObject, StandInContext, StoredMessage } from "./types.js";
import { normalizeBlocks } from "./wire.js";

export class MessageStore {
  /** Persisted channel messages, key `${channel}:${ts}`. Ephemerals are not kept. */
  readonly messages = new Map<string, StoredMessage>();
  private lastTsSec = 0;
  private tsCounter = 0;

  constructor(private readonly ctx: StandInContext) {}

  get(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(`${channel}:${ts}`);
  }

  post(args: JsonObject, ephemeral: boolean): ApiAnswer {
    if (!args.channel) return { ok: false, error: "channel_not_found" };
    if (ephemeral && !args.user) return invalidArguments(["[ERROR] missing required field: user"]);
    if (!hasText(args.text) && args.blocks === undefined && args.attachments === undefined) return { ok: false, error: "no_text" };
    const c = new Checker();
    const code = checkMessage(c, args);
    if (c.messages.length) return { ok: false, error: code ?? "invalid_blocks", response_metadata: { messages: c.messages } };
    const channel = resolveChannel(args.channel);
    const ts = this.nextTs();
    if (ephemeral) return { ok: true, message_ts: ts };
    const { ctx } = this;
    const message = {
      type: "message",
      subtype: undefined,
      text: args.text ?? "",
      user: ctx.botUserId,
      bot_id: ctx.botId,
      app_id: ctx.appId,
      team: ctx.teamId,
      ts,
      ...(args.blocks !== undefined ? { blocks: normalizeBlocks(args.blocks) } : {}),
      ...(args.attachments !== undefined ? { attachments: args.attachments } : {}),
      ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
      ...(args.metadata ? { metadata: args.metadata } : {}),
    };
    this.messages.set(`${channel}:${ts}`, { channel, ...message });
    return { ok: true, channel, ts, message };
  }

  update(args: JsonObject): ApiAnswer {
    if (!args.channel) return { ok: false, error: "channel_not_found" };
    const channel = resolveChannel(args.channel);
    const key = `${channel}:${args.ts}`;
    const prev = this.messages.get(key);
    if (!prev) return { ok: false, error: "message_not_found" };
    const c = new Checker();
    const code = checkMessage(c, args);
    if (c.messages.length) return { ok: false, error: code ?? "invalid_blocks", response_metadata: { messages: c.messages } };
    const message: StoredMessage = {
      ...prev,
      ...(args.text !== undefined ? { text: args.text } : {}),
      ...(args.blocks !== undefined ? { blocks: normalizeBlocks(args.blocks) } : {}),
      ...(args.attachments !== undefined ? { attachments: args.attachments } : {}),
      edited: { user: this.ctx.botUserId, ts: this.nextTs() },
    };
    this.messages.set(key, message);
    const { channel: _c, ...rest } = message;
    return { ok: true, channel, ts: String(args.ts), text: message.text, message: rest };
  }

  delete(args: JsonObject): ApiAnswer {
    const channel = resolveChannel(args.channel);
    const key = `${channel}:${args.ts}`;
    if (!args.channel) return { ok: false, error: "channel_not_found" };
    if (!this.messages.has(key)) return { ok: false, error: "message_not_found" };
    this.messages.delete(key);
    return { ok: true, channel, ts: args.ts };
  }

  private nextTs(): string {
    const sec = Math.floor(this.ctx.now() / 1000);
    if (sec > this.lastTsSec) {
      this.lastTsSec = sec;
      this.tsCounter = 0;
    }
    this.tsCounter += 1;
    return `${this.lastTsSec}.${String(this.tsCounter).padStart(6, "0")}`;
  }
}

/** A user id as channel means the bot's DM with that user. */
function resolveChannel(channel: unknown): string {
  const s = String(channel ?? "");
  return /^[UW][A-Z0-9]+$/.test(s) ? `D${s}` : s;
}
