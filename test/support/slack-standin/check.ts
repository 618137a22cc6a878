/** The Checker that collects Slack-style error messages, and the checks every other file uses. */
import type { ApiAnswer, JsonObject } from "./types.js";

export class Checker {
  messages: string[] = [];
  blockIds = new Set<string>();
  err(path: string, msg: string): void {
    this.messages.push(`[ERROR] ${msg} [json-pointer:${path}]`);
  }
}

export function invalidArguments(messages: string[]): ApiAnswer {
  return { ok: false, error: "invalid_arguments", response_metadata: { messages } };
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function hasText(v: unknown): boolean {
  return typeof v === "string" && v.length > 0;
}

export function strMax(c: Checker, path: string, v: unknown, max: number, name: string): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "string") c.err(path, `${name} must be a string`);
  else if (v.length > max) c.err(path, `${name} must be less than ${max + 1} characters (got ${v.length})`);
}

export function textObj(c: Checker, path: string, t: unknown, o: { max: number; name: string; plain?: boolean; required?: boolean }): void {
  if (t === undefined || t === null) {
    if (o.required) c.err(path, `missing required field: ${o.name}`);
    return;
  }
  if (!isObject(t) || typeof t.text !== "string") {
    c.err(path, `${o.name} must be a text object {type, text}`);
    return;
  }
  if (o.plain && t.type !== "plain_text") c.err(`${path}/type`, `${o.name} must be plain_text`);
  else if (t.type !== "plain_text" && t.type !== "mrkdwn")
    c.err(`${path}/type`, `${o.name} has unknown text type ${JSON.stringify(t.type)}`);
  if (t.text.length === 0) c.err(`${path}/text`, `${o.name} must be more than 0 characters`);
  if (t.text.length > o.max) c.err(`${path}/text`, `${o.name} must be less than ${o.max + 1} characters (got ${t.text.length})`);
}
