/** Control and format characters (zero-width spaces, bidi overrides…) never belong in names. */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** NFC-normalised, invisible characters removed, runs of white space folded, trimmed. */
export function cleanText(s: string): string {
  return s.normalize("NFC").replace(INVISIBLE, "").replace(/\s+/gu, " ").trim();
}

/** Like cleanText but keeps line breaks (descriptions, notes). */
export function cleanMultiline(s: string): string {
  return s
    .normalize("NFC")
    .replace(/\r\n?/g, "\n")
    .replace(/[\p{Cf}\u2028\u2029]|[\x00-\x09\x0B-\x1F\x7F]/gu, "")
    .split("\n")
    .map((l) => l.replace(/[^\S\n]+/gu, " ").trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The key titles are compared by: case-insensitive, after cleaning. */
export function titleKey(title: string): string {
  return cleanText(title).toLocaleLowerCase("en-US");
}

/** Escape text for Slack mrkdwn so user input cannot ping @channel or forge links. */
export function mrkdwnEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}
