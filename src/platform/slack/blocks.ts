import type { types } from "@slack/bolt";
import { truncate } from "../../shared/text.js";

export type Block = types.KnownBlock;
export type ModalView = types.ModalView;

export const plain = (text: string, max = 3000): types.PlainTextElement => ({ type: "plain_text", text: truncate(text, max), emoji: true });
export const md = (text: string, max = 3000): types.MrkdwnElement => ({ type: "mrkdwn", text: truncate(text, max) });

export const header = (text: string): Block => ({ type: "header", text: plain(text, 150) });
export const section = (text: string, extra: Partial<types.SectionBlock> = {}): Block => ({ type: "section", text: md(text), ...extra });
export const context = (...texts: string[]): Block => ({ type: "context", elements: texts.slice(0, 10).map((t) => md(t, 2000)) });
export const divider = (): Block => ({ type: "divider" });

export function button(text: string, actionId: string, value?: string, style?: "primary" | "danger"): types.Button {
  return {
    type: "button",
    text: plain(text, 75),
    action_id: actionId,
    ...(value !== undefined ? { value } : {}),
    ...(style ? { style } : {}),
  };
}

/** A select or radio option; Slack allows 75 characters for its text, description and value. */
export function option(text: string, value: string, description?: string): types.PlainTextOption {
  return { text: plain(text, 75), value, ...(description ? { description: plain(description, 75) } : {}) };
}

/** Modal with Slack's 24-character title and button limits applied. */
export function modal(p: {
  title: string;
  blocks: Block[];
  callbackId?: string;
  submit?: string;
  close?: string;
  privateMetadata?: string;
  notifyOnClose?: boolean;
}): ModalView {
  return {
    type: "modal",
    title: plain(p.title, 24),
    blocks: p.blocks.slice(0, 100),
    ...(p.callbackId ? { callback_id: p.callbackId } : {}),
    ...(p.submit ? { submit: plain(p.submit, 24) } : {}),
    close: plain(p.close ?? "Close", 24),
    ...(p.privateMetadata ? { private_metadata: p.privateMetadata } : {}),
    ...(p.notifyOnClose ? { notify_on_close: true } : {}),
  };
}

/** Slack renders this in the reader's own time zone. */
export function slackDate(d: Date, format = "{date_short_pretty} {time}"): string {
  const ts = Math.floor(d.getTime() / 1000);
  return `<!date^${ts}^${format}|${d.toISOString().replace("T", " ").slice(0, 16)} UTC>`;
}

export const ENV_LABEL: Record<string, string> = {
  development: "Development",
  staging: "Staging",
  production: "Production",
};

export const ENV_EMOJI: Record<string, string> = {
  development: ":hammer_and_wrench:",
  staging: ":test_tube:",
  production: ":rocket:",
};

/** Splits lines into chunks that each fit one section's text limit. */
export function chunkLines(lines: string[], max = 2900): string[] {
  const chunks: string[] = [];
  let cur = "";
  for (const l of lines) {
    const line = truncate(l, max);
    if (cur && cur.length + 1 + line.length > max) {
      chunks.push(cur);
      cur = line;
    } else cur = cur ? `${cur}\n${line}` : line;
  }
  if (cur) chunks.push(cur);
  return chunks;
}

/** Characters of text in blocks, counted the way Slack's msg_blocks_too_long counts them. */
export function textLength(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + textLength(x), 0);
  if (!v || typeof v !== "object") return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) n += k === "text" && typeof x === "string" ? x.length : textLength(x);
  return n;
}

/** Slack refuses a message near 13k characters of block text (msg_blocks_too_long); stay well under. */
export const MESSAGE_TEXT_BUDGET = 11_000;
