/**
 * The secret check of the hot path: the same answer as key-format.ts verifySecret(secret,
 * storedHash, pepper), with the stored hash decoded once, when the index is built.
 *
 * The index keeps the first DIGEST_BYTES (16) bytes of each stored SHA-256 / HMAC-SHA256 digest:
 * half the memory of the full digest, and still 128 bits that a guess must match (the secret
 * itself carries ~190 bits). The comparison is constant-time (timingSafeEqual).
 */
import * as nodeCrypto from "node:crypto";

export const DIGEST_BYTES = 16;

/** How a stored hash is checked. NONE: unrecognised or malformed, never matches. */
export const HashKind = { NONE: 0, SHA256: 1, HMAC: 2 } as const;
export type HashKind = (typeof HashKind)[keyof typeof HashKind];

const SHA256_PREFIX = "sha256:";
const HMAC_PREFIX = "hmac-sha256:";
const HEX_LENGTH = 64;
/** Lower-case hex digit values by char code; -1 elsewhere (upper case is not a valid stored hash). */
const HEX_VALUE = Int8Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1));

// One-shot hashing (Node ≥ 20.12) skips a Hash object per call; older Nodes use createHash.
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: string, enc: "buffer") => Buffer }).hash;
const sha256 = oneShotHash
  ? (s: string) => oneShotHash("sha256", s, "buffer")
  : (s: string) => nodeCrypto.createHash("sha256").update(s, "utf8").digest();

/** Writes the stored hash's first DIGEST_BYTES bytes into out[offset…] and says how to check it. */
export function storeDigest(storedHash: string, out: Uint8Array, offset: number): HashKind {
  let kind: HashKind = HashKind.NONE;
  let at = 0;
  if (storedHash.startsWith(SHA256_PREFIX)) {
    kind = HashKind.SHA256;
    at = SHA256_PREFIX.length;
  } else if (storedHash.startsWith(HMAC_PREFIX)) {
    kind = HashKind.HMAC;
    at = HMAC_PREFIX.length;
  }
  // Decoded by hand: a million rows load without a million temporary strings or buffers.
  let ok = kind !== HashKind.NONE && storedHash.length === at + HEX_LENGTH;
  for (let i = 0; ok && i < HEX_LENGTH; i += 2) {
    const hi = HEX_VALUE[storedHash.charCodeAt(at + i)] ?? -1;
    const lo = HEX_VALUE[storedHash.charCodeAt(at + i + 1)] ?? -1;
    if (hi < 0 || lo < 0) ok = false;
    else if (i < 2 * DIGEST_BYTES) out[offset + i / 2] = (hi << 4) | lo;
  }
  if (ok) return kind;
  out.fill(0, offset, offset + DIGEST_BYTES);
  return HashKind.NONE;
}

/**
 * True when `secret` matches the digest stored at digests[offset…] with `kind`. An HMAC digest
 * cannot match without the pepper (as in verifySecret).
 */
export function digestMatches(kind: HashKind, secret: string, pepper: string | undefined, digests: Uint8Array, offset: number): boolean {
  if (typeof secret !== "string") return false;
  let actual: Buffer;
  if (kind === HashKind.SHA256) actual = sha256(secret);
  else if (kind === HashKind.HMAC && pepper) actual = nodeCrypto.createHmac("sha256", pepper).update(secret, "utf8").digest();
  else return false;
  return nodeCrypto.timingSafeEqual(actual.subarray(0, DIGEST_BYTES), digests.subarray(offset, offset + DIGEST_BYTES));
}

/**
 * The index's 64-bit fingerprint of a shared key: two 32-bit multiply-rotate hashes (murmur3's
 * mixing) with seeds drawn per process, written to out[0] and out[1]. Not cryptographic, and it
 * need not be: the index holds only existing credentials, so a crafted key that lands on one of
 * them (or in a busy bucket) just gets its secret checked against that credential's digest,
 * exactly like that credential's own shared key would. Real shared keys are 143 random bits.
 */
export function fingerprintInto(sharedKey: string, out: Uint32Array): void {
  let h1 = SEED[0]!;
  let h2 = SEED[1]!;
  for (let i = 0; i < sharedKey.length; i++) {
    const c = sharedKey.charCodeAt(i);
    h1 = Math.imul(rotl(Math.imul(c, 0xcc9e2d51), 15), 0x1b873593) ^ h1;
    h1 = (Math.imul(rotl(h1, 13), 5) + 0xe6546b64) | 0;
    h2 = Math.imul(rotl(Math.imul(c ^ 0x5bd1e995, 0x85ebca6b), 17), 0xc2b2ae35) ^ h2;
    h2 = (Math.imul(rotl(h2, 11), 9) + 0x52dce729) | 0;
  }
  out[0] = fmix(h1 ^ sharedKey.length);
  out[1] = fmix(h2 ^ sharedKey.length);
}

const SEED = new Uint32Array(nodeCrypto.randomBytes(8).buffer.slice(0));

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
