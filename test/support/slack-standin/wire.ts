/** HTTP and JSON plumbing of the stand-in: reading requests, answering, ids. */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isObject } from "./check.js";
import type { JsonObject } from "./types.js";

/** Fields that the Web API client sends as JSON strings in form bodies. */
const JSON_FIELDS = new Set([
  "view",
  "blocks",
  "attachments",
  "options",
  "option_groups",
  "metadata",
  "unfurls",
  "user_auth_blocks",
  "errors",
]);

/** Arguments from the query string and a form or JSON body; JSON-string fields parsed. `bad` when the JSON is broken. */
export function parseArgs(req: IncomingMessage, raw: string, url: URL): { args: JsonObject; bad?: string } {
  const args: JsonObject = {};
  for (const [k, v] of url.searchParams) args[k] = v;
  const ct = String(req.headers["content-type"] ?? "").toLowerCase();
  try {
    if (ct.startsWith("application/json")) {
      if (raw.trim()) Object.assign(args, JSON.parse(raw));
    } else if (raw) {
      for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
    }
    for (const [k, v] of Object.entries(args)) {
      if (JSON_FIELDS.has(k) && typeof v === "string" && v !== "") args[k] = JSON.parse(v);
    }
  } catch (e) {
    return { args, bad: `invalid JSON: ${(e as Error).message}` };
  }
  return { args };
}

/** Slack fills in block_id / action_id where the app left them out. Returns a copy. */
export function normalizeBlocks(blocks: unknown): unknown[] {
  if (!Array.isArray(blocks)) return [];
  const copy: unknown[] = JSON.parse(JSON.stringify(blocks));
  let n = 0;
  const used = new Set(copy.map((b) => (isObject(b) ? b.block_id : undefined)).filter((x) => x !== undefined));
  const fresh = () => {
    let id: string;
    do id = `${hex(2)}${(n++).toString(36)}`;
    while (used.has(id));
    used.add(id);
    return id;
  };
  for (const b of copy) {
    if (!isObject(b)) continue;
    if (b.block_id === undefined) b.block_id = fresh();
    const els = [...(Array.isArray(b.elements) && b.type === "actions" ? b.elements : []), b.accessory, b.element].filter(isObject);
    for (const e of els) if (e.action_id === undefined && e.type !== "image") e.action_id = `${hex(2)}${(n++).toString(36)}`;
  }
  return copy;
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
