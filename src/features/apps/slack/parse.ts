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
  /** `/apps share <app> @team`: Slack sends the group as `<!subteam^S…|@team>`. */
  | { kind: "share-team"; ref: string; groupId: string; handle: string; remove: boolean }
  | { kind: "audit"; ref: string }
  | { kind: "settings" }
  | { kind: "archive"; ref: string }
  | { kind: "approvals" }
  | { kind: "usage"; problem?: string };

/**
 * Slack's own tokens in the raw text (the manifest sets `should_escape`): mentions, channels,
 * user groups, special mentions and links arrive as `<@U1|name>`, `<#C1|name>`,
 * `<!subteam^S1|@team>`, `<!here>`, `<https://x|label>`. What the user typed literally arrives
 * entity-escaped (`&lt;`), so only these raw brackets are Slack's.
 */
const SLACK_TOKEN = /<(@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^S[A-Z0-9]+|![a-z]+|(?:https?|mailto):[^<>|\s]+)(?:\|([^<>]*))?>/g;

// Tokens are carried through unescaping and splitting in private-use characters, so that text
// the user typed that merely looks like a token ("&lt;@U1&gt;") is never taken for one.
const OPEN = "\uE000";
const SEP = "\uE001";
const CLOSE = "\uE002";
const SPACE = "\uE003";

function protectTokens(raw: string): string {
  return raw.replace(
    SLACK_TOKEN,
    (_m, target: string, label?: string) => `${OPEN}${target}${label !== undefined ? SEP + label.replace(/\s/g, SPACE) : ""}${CLOSE}`,
  );
}

const text = z
  .string()
  .max(MAX_COMMAND_TEXT, "That command is too long.")
  .transform((s) =>
    unescapeSlack(protectTokens(s))
      .normalize("NFC")
      .replace(/[\p{Cc}\p{Cf}]/gu, " ")
      .replace(/\s+/gu, " ")
      .trim(),
  );

const PROTECTED = new RegExp(`${OPEN}([^${SEP}${CLOSE}]+)(?:${SEP}([^${CLOSE}]*))?${CLOSE}`, "g");

/** Slack's tokens back as the text the user typed: "Payouts <@U1|ops>" → "Payouts @ops". */
function detokenize(s: string): string {
  return s.replace(PROTECTED, (_m, target: string, rawLabel?: string) => {
    const label = rawLabel?.replaceAll(SPACE, " ");
    if (target.startsWith("@")) return label ? `@${label.replace(/^@/, "")}` : target;
    if (target.startsWith("#")) return label ? `#${label}` : target;
    if (target.startsWith("!subteam")) return label ?? target;
    if (target.startsWith("!")) return `@${target.slice(1)}`;
    return label || target;
  });
}

/** Strips one pair of matching quotes (/apps show "Checkout service"); tokens read as typed. */
function unquote(s: string): string {
  const t = detokenize(s);
  const m = /^(["'“‘])(.*)(["'”’])$/u.exec(t);
  return m ? (m[2] ?? "").trim() : t;
}

const MENTION = new RegExp(`^${OPEN}@([UW][A-Z0-9]+)(?:${SEP}[^${CLOSE}]*)?${CLOSE}$`);
/** A user group token: `<!subteam^S123|@sre>` (the label, the handle, may be missing). */
const SUBTEAM = new RegExp(`^${OPEN}!subteam\\^(S[A-Z0-9]+)(?:${SEP}([^${CLOSE}]*))?${CLOSE}$`);

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
      const team = SUBTEAM.exec(mention);
      const ref = unquote(rest.slice(0, -1).join(" "));
      const remove = head.toLowerCase() === "unshare";
      if (ref && team) {
        const handle = (team[2] ?? "").replaceAll(SPACE, " ").replace(/^@/, "");
        return { kind: "share-team", ref, groupId: team[1]!, handle, remove };
      }
      if (!m || !ref) {
        return {
          kind: "usage",
          problem: `Use \`/apps ${head.toLowerCase()} <App ID | title> @person\` or \`@team\` (pick them from Slack's suggestions).`,
        };
      }
      return { kind: "share", ref, userId: m[1]!, remove };
    }
    case "settings":
      return { kind: "settings" };
    case "approvals":
    case "pending":
      return { kind: "approvals" };
    case "audit":
    case "history":
      return arg ? { kind: "audit", ref: arg } : { kind: "usage", problem: "Tell me which app: `/apps audit <App ID | title>`." };
    case "archive":
      return arg ? { kind: "archive", ref: arg } : { kind: "usage", problem: "Tell me which app: `/apps archive <App ID | title>`." };
    default:
      return { kind: "usage", problem: `I don't know \`${head.slice(0, 40)}\`.` };
  }
}
