import { z } from "zod";

/** Slack escapes &, < and > in command text and sends mentions as <@U123|name>. */
export function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export const MAX_COMMAND_TEXT = 1000;

export type AppsCommand =
  | { kind: "list" }
  | { kind: "create" }
  | { kind: "show"; ref: string }
  | { kind: "help" }
  | { kind: "keys-generate"; ref: string }
  | { kind: "keys-revoke"; credentialId: string }
  | { kind: "share"; ref: string; userId: string; remove: boolean }
  | { kind: "settings" }
  | { kind: "archive"; ref: string }
  | { kind: "approvals" }
  | { kind: "usage"; problem?: string };

const text = z
  .string()
  .max(MAX_COMMAND_TEXT, "That command is too long.")
  .transform((s) =>
    unescapeSlack(s)
      .normalize("NFC")
      .replace(/[\p{Cc}\p{Cf}]/gu, " ")
      .replace(/\s+/gu, " ")
      .trim(),
  );

/**
 * Strips one pair of matching quotes (/apps show "Checkout service") and turns Slack's tokens
 * back into what the user typed: the manifest sets `should_escape`, so a title such as
 * "Payouts @ops" or "docs.example.com" arrives as "Payouts <@U1|ops>" or "<http://docs.example.com|docs.example.com>".
 */
function unquote(s: string): string {
  const m = /^(["'“‘])(.*)(["'”’])$/u.exec(s);
  return detokenize(m ? (m[2] ?? "").trim() : s);
}

const TOKEN = /<(@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^S[A-Z0-9]+|![a-z]+|(?:https?|mailto):[^<>|]+)(?:\|([^<>]*))?>/g;

export function detokenize(s: string): string {
  return s.replace(TOKEN, (_m, target: string, label?: string) => {
    if (target.startsWith("@")) return label ? `@${label.replace(/^@/, "")}` : target;
    if (target.startsWith("#")) return label ? `#${label}` : target;
    if (target.startsWith("!subteam")) return label ?? target;
    if (target.startsWith("!")) return `@${target.slice(1)}`;
    return label ?? target;
  });
}

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

export function parseAppsCommand(raw: unknown): AppsCommand {
  const parsed = text.safeParse(typeof raw === "string" ? raw : "");
  if (!parsed.success) return { kind: "usage", problem: parsed.error.issues[0]?.message };
  const t = parsed.data;
  const [head = "", ...rest] = t.split(" ");
  const arg = unquote(rest.join(" "));
  switch (head.toLowerCase()) {
    case "":
    case "list":
    case "ls":
      return rest.length ? { kind: "usage", problem: `\`${head}\` takes no arguments.` } : { kind: "list" };
    case "create":
    case "new":
      return { kind: "create" };
    case "show":
    case "details":
    case "info":
      return arg ? { kind: "show", ref: arg } : { kind: "usage", problem: "Tell me which app: `/apps show <App ID | title>`." };
    case "help":
      return { kind: "help" };
    case "keys":
    case "key": {
      const [verb = "", ...more] = rest;
      const target = unquote(more.join(" "));
      if (verb.toLowerCase() === "generate" && target) return { kind: "keys-generate", ref: target };
      if (verb.toLowerCase() === "revoke" && /^cred_[0-9A-Za-z]{6,40}$/.test(target)) return { kind: "keys-revoke", credentialId: target };
      return { kind: "usage", problem: "Use `/apps keys generate <App ID | title>` or `/apps keys revoke <credential ID>`." };
    }
    case "share":
    case "unshare": {
      const mention = rest[rest.length - 1] ?? "";
      const m = MENTION.exec(mention);
      const ref = unquote(rest.slice(0, -1).join(" "));
      if (!m || !ref) return { kind: "usage", problem: `Use \`/apps ${head.toLowerCase()} <App ID | title> @person\`.` };
      return { kind: "share", ref, userId: m[1]!, remove: head.toLowerCase() === "unshare" };
    }
    case "settings":
      return { kind: "settings" };
    case "approvals":
    case "pending":
      return { kind: "approvals" };
    case "archive":
      return arg ? { kind: "archive", ref: arg } : { kind: "usage", problem: "Tell me which app: `/apps archive <App ID | title>`." };
    default:
      return { kind: "usage", problem: `I don't know \`${head.slice(0, 40)}\`.` };
  }
}
