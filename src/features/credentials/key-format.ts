/**
 * Credential format: shared keys, secret keys, public IDs and secret hashing.
 *
 *   shared key: ak_<envtag>_<body 24><checksum 6>   e.g. ak_prod_3kT9x2mQ8wLpZr4Vb7NcY1aQ0F8c2x
 *   secret key: sk_<envtag>_<body 32><checksum 6>
 *
 * body: base62 (0-9A-Za-z) from crypto.randomBytes with rejection sampling.
 * checksum: CRC32 (IEEE) of "<prefix>_<envtag>_<body>", base62, left-padded with '0' to 6 chars.
 *
 * The checksum is not a security feature: it lets secret scanners recognise real keys with few
 * false positives and lets us reject mistyped keys without a database lookup.
 * See docs/key-format.md.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";

export type Environment = "development" | "staging" | "production";

export const ENVIRONMENTS: readonly Environment[] = ["development", "staging", "production"];

export const ENV_TAG = {
  development: "dev",
  staging: "stg",
  production: "prod",
} as const satisfies Record<Environment, string>;

const TAG_TO_ENV: ReadonlyMap<string, Environment> = new Map(ENVIRONMENTS.map((env) => [ENV_TAG[env], env] as const));

export const SHARED_KEY_PREFIX = "ak";
export const SECRET_KEY_PREFIX = "sk";
export const SHARED_KEY_BODY_LENGTH = 24;
export const SECRET_KEY_BODY_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;
export const APP_PUBLIC_ID_PREFIX = "app_";
export const APP_PUBLIC_ID_LENGTH = 12;
export const CREDENTIAL_ID_PREFIX = "cred_";
export const CREDENTIAL_ID_LENGTH = 14;

export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Longest possible key ("sk_prod_" + 32 + 6). Anything longer is rejected before any regex work. */
const MAX_KEY_LENGTH = "sk_prod_".length + SECRET_KEY_BODY_LENGTH + CHECKSUM_LENGTH;

/**
 * Pattern a secret scanner can use to find candidate keys in text (confirm hits with parseKey,
 * which checks the checksum). Not anchored, not global: build `new RegExp(KEY_SCAN_PATTERN, 'g')`
 * for scanning.
 */
export const KEY_SCAN_PATTERN = "\\b(?:ak_(?:dev|stg|prod)_[0-9A-Za-z]{30}|sk_(?:dev|stg|prod)_[0-9A-Za-z]{38})\\b";

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/** Largest multiple of 62 that fits in a byte: bytes >= 248 are rejected so `b % 62` is unbiased. */
const BASE62_REJECT_AT = 256 - (256 % 62); // 248

/** `n` uniformly random base62 characters from the CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randomBase62: invalid length ${n}`);
  let out = "";
  while (out.length < n) {
    // ~3% of bytes are rejected; ask for a little more than needed to usually finish in one round.
    const need = n - out.length;
    const bytes = randomBytes(need + 8 + (need >> 3));
    for (let i = 0; i < bytes.length && out.length < n; i++) {
      const b = bytes[i]!;
      if (b < BASE62_REJECT_AT) out += BASE62_ALPHABET[b % 62];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CRC32 (IEEE 802.3, Node's zlib.crc32) and base62 encoding
// ---------------------------------------------------------------------------------------------

/** CRC32 (IEEE) of the UTF-8 bytes of `str`, as an unsigned 32-bit integer. crc32('123456789') = 0xCBF43926. */
export function crc32(str: string): number {
  return zlibCrc32(str);
}

/** Base62 encoding of a non-negative integer, most significant digit first, left-padded with '0'. */
export function encodeBase62(value: number, width = 0): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`encodeBase62: invalid value ${value}`);
  let out = "";
  let v = value;
  do {
    out = BASE62_ALPHABET[v % 62]! + out;
    v = Math.floor(v / 62);
  } while (v > 0);
  return out.padStart(width, "0");
}

/** The 6-character checksum of "<prefix>_<envtag>_<body>". 62^6 > 2^32, so every CRC fits. */
export function keyChecksum(unchecked: string): string {
  return encodeBase62(crc32(unchecked), CHECKSUM_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

export type KeyKind = "shared" | "secret";

export interface ParsedKey {
  kind: KeyKind;
  environment: Environment;
}

function buildKey(prefix: string, env: Environment, bodyLength: number): string {
  const unchecked = `${prefix}_${ENV_TAG[env]}_${randomBase62(bodyLength)}`;
  return unchecked + keyChecksum(unchecked);
}

export function generateKeyPair(env: Environment): { sharedKey: string; secretKey: string } {
  if (!isEnvironment(env)) throw new TypeError(`generateKeyPair: unknown environment ${String(env)}`);
  return {
    sharedKey: buildKey(SHARED_KEY_PREFIX, env, SHARED_KEY_BODY_LENGTH),
    secretKey: buildKey(SECRET_KEY_PREFIX, env, SECRET_KEY_BODY_LENGTH),
  };
}

/**
 * Recognise a shared or secret key. Returns null (never throws) for anything that is not a
 * well-formed key: wrong shape, unknown environment tag, wrong length or a bad checksum.
 *
 * The shape is /^(ak|sk)_(dev|stg|prod)_[0-9A-Za-z]{body + 6}$/, checked character by character
 * and the checksum without building strings: every gateway verification parses two keys.
 */
export function parseKey(s: string): ParsedKey | null {
  if (typeof s !== "string" || s.length > MAX_KEY_LENGTH || s.length < 8) return null;
  const first = s.charCodeAt(0);
  if (s.charCodeAt(1) !== 0x6b /* k */ || s.charCodeAt(2) !== 0x5f /* _ */) return null;
  const shared = first === 0x61; /* a */
  if (!shared && first !== 0x73 /* s */) return null;
  let environment: Environment;
  let at: number;
  if (s.startsWith("dev_", 3)) {
    environment = "development";
    at = 7;
  } else if (s.startsWith("stg_", 3)) {
    environment = "staging";
    at = 7;
  } else if (s.startsWith("prod_", 3)) {
    environment = "production";
    at = 8;
  } else return null;
  const bodyLength = shared ? SHARED_KEY_BODY_LENGTH : SECRET_KEY_BODY_LENGTH;
  if (s.length !== at + bodyLength + CHECKSUM_LENGTH) return null;
  const sumAt = s.length - CHECKSUM_LENGTH;
  for (let i = at; i < sumAt; i++) if (base62Value(s.charCodeAt(i)) < 0) return null;
  // The checksum's 6 digits, decoded: equal to the CRC exactly when keyChecksum() would match them.
  let sum = 0;
  for (let i = sumAt; i < s.length; i++) {
    const d = base62Value(s.charCodeAt(i));
    if (d < 0) return null;
    sum = sum * 62 + d;
  }
  if (sum !== asciiCrc32(s, sumAt)) return null;
  return PARSED[shared ? "shared" : "secret"][environment];
}

/** Base62 digit values by char code below 128, else -1. */
const BASE62_VALUE = Int8Array.from({ length: 128 }, (_, c) => BASE62_ALPHABET.indexOf(String.fromCharCode(c)));

/** The base62 digit of a UTF-16 code unit, or -1. */
const base62Value = (code: number): number => (code < 128 ? BASE62_VALUE[code]! : -1);

/** parseKey's answers, one frozen object per kind and environment. */
const PARSED = Object.fromEntries(
  (["shared", "secret"] as const).map((kind) => [
    kind,
    Object.fromEntries(ENVIRONMENTS.map((environment) => [environment, Object.freeze({ kind, environment })])),
  ]),
) as Record<KeyKind, Record<Environment, ParsedKey>>;

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/**
 * crc32() of s.slice(0, end) when those characters are ASCII (one UTF-8 byte each), which
 * parseKey has checked: no slice, no UTF-8 conversion, no call into zlib.
 */
export function asciiCrc32(s: string, end = s.length): number {
  let c = -1;
  for (let i = 0; i < end; i++) c = CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function isWellFormedSharedKey(s: string): boolean {
  return parseKey(s)?.kind === "shared";
}

export function isWellFormedSecretKey(s: string): boolean {
  return parseKey(s)?.kind === "secret";
}

// ---------------------------------------------------------------------------------------------
// Hashing at rest
// ---------------------------------------------------------------------------------------------

const SHA256_PREFIX = "sha256:";
const HMAC_PREFIX = "hmac-sha256:";
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Hash a secret for storage: `sha256:<hex>` or, with a pepper (server-side key kept outside the
 * database), `hmac-sha256:<hex>`. Secrets carry ~190 bits of entropy, so a fast hash is enough:
 * a slow KDF protects low-entropy passwords, not random keys.
 */
export function hashSecret(secret: string, pepper?: string): string {
  if (pepper !== undefined && pepper !== "") {
    return HMAC_PREFIX + createHmac("sha256", pepper).update(secret, "utf8").digest("hex");
  }
  return SHA256_PREFIX + createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * Check `secret` against a stored hash, in constant time. The algorithm comes from the stored
 * hash (so sha256 hashes keep verifying after a pepper is introduced). An hmac hash cannot be
 * verified without the pepper: returns false. Malformed stored hashes return false.
 */
export function verifySecret(secret: string, storedHash: string, pepper?: string): boolean {
  if (typeof secret !== "string" || typeof storedHash !== "string") return false;
  let expectedHex: string;
  let actual: Buffer;
  if (storedHash.startsWith(SHA256_PREFIX)) {
    expectedHex = storedHash.slice(SHA256_PREFIX.length);
    actual = createHash("sha256").update(secret, "utf8").digest();
  } else if (storedHash.startsWith(HMAC_PREFIX)) {
    if (pepper === undefined || pepper === "") return false;
    expectedHex = storedHash.slice(HMAC_PREFIX.length);
    actual = createHmac("sha256", pepper).update(secret, "utf8").digest();
  } else {
    return false;
  }
  if (!HEX64.test(expectedHex)) return false;
  const expected = Buffer.from(expectedHex, "hex");
  // Both are 32 bytes here; the length check only guards timingSafeEqual's precondition.
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

// ---------------------------------------------------------------------------------------------
// Display helpers and public IDs
// ---------------------------------------------------------------------------------------------

/** Last four characters of a secret, stored so people can tell keys apart. */
export function secretLast4(secret: string): string {
  return secret.slice(-4);
}

const MASK = "••••••••";

/**
 * Masked secret for display, e.g. maskSecret('production', 'AB12') -> 'sk_prod_••••••••AB12'.
 * Accepts an environment ('production'), an env tag ('prod') or a prefix ('sk_prod' / 'sk_prod_').
 */
export function maskSecret(envOrPrefix: Environment | string, last4: string): string {
  let prefix: string;
  if (isEnvironment(envOrPrefix)) prefix = `${SECRET_KEY_PREFIX}_${ENV_TAG[envOrPrefix]}`;
  else if (TAG_TO_ENV.has(envOrPrefix)) prefix = `${SECRET_KEY_PREFIX}_${envOrPrefix}`;
  else prefix = envOrPrefix.replace(/_+$/, "");
  return `${prefix}_${MASK}${last4}`;
}

/** Public app ID shown to users: `app_` + 12 base62 characters. */
export function newAppPublicId(): string {
  return APP_PUBLIC_ID_PREFIX + randomBase62(APP_PUBLIC_ID_LENGTH);
}

/** Public credential ID: `cred_` + 14 base62 characters. */
export function newCredentialId(): string {
  return CREDENTIAL_ID_PREFIX + randomBase62(CREDENTIAL_ID_LENGTH);
}

const SECRET_IN_TEXT = /sk_(?:dev|stg|prod)_[0-9A-Za-z]{20,}/;

/** True when free text (a note, a label, a description) carries something shaped like a secret key. */
export function containsSecret(text: string): boolean {
  return SECRET_IN_TEXT.test(text);
}

export const SECRET_IN_TEXT_MESSAGE = "This looks like a secret key. Never paste secrets into AppKeys: remove it.";
