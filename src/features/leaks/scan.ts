/**
 * Finding AppKeys keys in text: shape first, then the CRC32 checksum (parseKey). Nothing here
 * touches the database: only checksum-valid tokens go on to cost a lookup.
 */
import { parseKey, type Environment, type KeyKind } from "../credentials/key-format.js";

/** Most distinct checksum-valid tokens handled per message or report; the rest are ignored. */
export const MAX_TOKENS = 100;
/** Longest text scanned per message (Slack caps `text` at 40,000 characters; attachments add some). */
const MAX_SCAN_CHARS = 200_000;

/**
 * KEY_SCAN_PATTERN (src/features/credentials/key-format.ts) with `\b` replaced by "no base62
 * character on either side": `_` is a word character, so `\b` misses a key in Slack italics
 * (`_sk_dev_…_`) or glued to a variable name (`API_KEY_sk_dev_…`). The checksum keeps this exact.
 */
const CANDIDATE = /(?<![0-9A-Za-z])(?:ak_(?:dev|stg|prod)_[0-9A-Za-z]{30}|sk_(?:dev|stg|prod)_[0-9A-Za-z]{38})(?![0-9A-Za-z])/g;

export interface FoundKey {
  token: string;
  kind: KeyKind;
  environment: Environment;
}

/** Distinct checksum-valid keys in `texts`, in order of first appearance, at most `max`. */
export function findKeys(texts: Iterable<string>, max = MAX_TOKENS): FoundKey[] {
  const seen = new Set<string>();
  const out: FoundKey[] = [];
  let budget = MAX_SCAN_CHARS;
  for (const text of texts) {
    if (budget <= 0 || out.length >= max) break;
    const chunk = text.length > budget ? text.slice(0, budget) : text;
    budget -= chunk.length;
    for (const m of chunk.matchAll(CANDIDATE)) {
      const token = m[0];
      if (seen.has(token)) continue;
      seen.add(token);
      const parsed = parseKey(token);
      if (!parsed) continue;
      out.push({ token, ...parsed });
      if (out.length >= max) break;
    }
  }
  return out;
}

/**
 * Every string inside a Slack message: `text`, blocks (rich text, code blocks, links), attachments
 * and unfurls. Slack markup (`<https://x?k=…|label>`, `&amp;`) needs no decoding: keys are base62
 * and survive it unchanged. Keys (property names) are not yielded, only values.
 */
export function* stringsOf(value: unknown, depth = 0): Generator<string> {
  if (typeof value === "string") {
    yield value;
    return;
  }
  if (value === null || typeof value !== "object" || depth > 20) return;
  if (Array.isArray(value)) {
    for (const v of value) yield* stringsOf(v, depth + 1);
    return;
  }
  for (const v of Object.values(value as Record<string, unknown>)) yield* stringsOf(v, depth + 1);
}
