import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  BASE62_ALPHABET,
  ENVIRONMENTS,
  ENV_TAG,
  KEY_SCAN_PATTERN,
  asciiCrc32,
  crc32,
  encodeBase62,
  generateKeyPair,
  hashSecret,
  isWellFormedSecretKey,
  isWellFormedSharedKey,
  keyChecksum,
  maskSecret,
  newAppPublicId,
  newCredentialId,
  parseKey,
  randomBase62,
  secretLast4,
  verifySecret,
  type Environment,
} from "./key-format.js";

const SHARED_RE = /^ak_(dev|stg|prod)_[0-9A-Za-z]{30}$/;
const SECRET_RE = /^sk_(dev|stg|prod)_[0-9A-Za-z]{38}$/;

/** Every other base62 character at position i. */
function substitutions(s: string, i: number): string[] {
  const out: string[] = [];
  for (const c of BASE62_ALPHABET) if (c !== s[i]) out.push(s.slice(0, i) + c + s.slice(i + 1));
  return out;
}

describe("crc32 and base62", () => {
  it("matches the IEEE CRC32 check values", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
    expect(crc32("The quick brown fox jumps over the lazy dog")).toBe(0x414fa339);
    expect(crc32("é")).toBe(crc32("\u00e9")); // UTF-8 bytes
  });

  it("asciiCrc32 is crc32 of the ASCII prefix", () => {
    const chars = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).join("");
    for (let n = 0; n < 2000; n++) {
      const s = Array.from({ length: n % 90 }, () => chars[Math.floor(Math.random() * 128)]).join("");
      expect(asciiCrc32(s)).toBe(crc32(s));
      expect(asciiCrc32(`${s}tail`, s.length)).toBe(crc32(s));
    }
    expect(asciiCrc32("123456789")).toBe(0xcbf43926);
  });

  it("encodes base62 most-significant digit first, padded", () => {
    expect(encodeBase62(0, 6)).toBe("000000");
    expect(encodeBase62(61, 6)).toBe("00000z");
    expect(encodeBase62(62, 6)).toBe("000010");
    expect(encodeBase62(0xffffffff, 6)).toBe("4gfFC3");
    expect(keyChecksum("ak_dev_x")).toHaveLength(6);
  });

  it("randomBase62 returns the requested length from the alphabet", () => {
    for (const n of [0, 1, 12, 24, 32, 100]) {
      const s = randomBase62(n);
      expect(s).toHaveLength(n);
      expect(s).toMatch(/^[0-9A-Za-z]*$/);
    }
    expect(() => randomBase62(-1)).toThrow(RangeError);
    expect(() => randomBase62(1.5)).toThrow(RangeError);
  });

  it("uses every character of the alphabet with no gross bias (20k chars)", () => {
    const counts = new Map<string, number>();
    const s = randomBase62(20_000);
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected ~322 each; a uniform source stays far inside these bounds.
    for (const c of BASE62_ALPHABET) {
      expect(counts.get(c)).toBeGreaterThan(200);
      expect(counts.get(c)).toBeLessThan(450);
    }
  });
});

describe("generateKeyPair / parseKey", () => {
  it("produces keys in the documented format for every environment", () => {
    for (const env of ENVIRONMENTS) {
      const { sharedKey, secretKey } = generateKeyPair(env);
      expect(sharedKey).toMatch(SHARED_RE);
      expect(secretKey).toMatch(SECRET_RE);
      expect(sharedKey.startsWith(`ak_${ENV_TAG[env]}_`)).toBe(true);
      expect(secretKey.startsWith(`sk_${ENV_TAG[env]}_`)).toBe(true);
      // body + checksum = 24 + 6 / 32 + 6
      expect(sharedKey.length).toBe(`ak_${ENV_TAG[env]}_`.length + 30);
      expect(secretKey.length).toBe(`sk_${ENV_TAG[env]}_`.length + 38);
    }
  });

  it("round-trips kind and environment", () => {
    for (const env of ENVIRONMENTS) {
      const { sharedKey, secretKey } = generateKeyPair(env);
      expect(parseKey(sharedKey)).toEqual({ kind: "shared", environment: env });
      expect(parseKey(secretKey)).toEqual({ kind: "secret", environment: env });
      expect(isWellFormedSharedKey(sharedKey)).toBe(true);
      expect(isWellFormedSecretKey(sharedKey)).toBe(false);
      expect(isWellFormedSecretKey(secretKey)).toBe(true);
      expect(isWellFormedSharedKey(secretKey)).toBe(false);
    }
  });

  it("generates distinct keys", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { sharedKey, secretKey } = generateKeyPair("production");
      seen.add(sharedKey);
      seen.add(secretKey);
    }
    expect(seen.size).toBe(1000);
  });

  it("the checksum is CRC32 of prefix_env_body in base62", () => {
    const { secretKey } = generateKeyPair("staging");
    const unchecked = secretKey.slice(0, -6);
    expect(secretKey.slice(-6)).toBe(encodeBase62(crc32(unchecked), 6));
  });

  it("detects every single-character substitution in a sample of keys", () => {
    const keys: string[] = [];
    for (const env of ENVIRONMENTS) {
      for (let i = 0; i < 3; i++) {
        const pair = generateKeyPair(env);
        keys.push(pair.sharedKey, pair.secretKey);
      }
    }
    let checked = 0;
    for (const key of keys) {
      const start = key.indexOf("_", 3) + 1; // body + checksum
      for (let i = start; i < key.length; i++) {
        for (const variant of substitutions(key, i)) {
          expect(parseKey(variant), variant).toBeNull();
          checked++;
        }
      }
      // Substitutions in the prefix / env tag never yield a valid key either.
      for (let i = 0; i < start; i++) {
        for (const c of "abcdefghijklmnopqrstuvwxyz_0") {
          if (c === key[i]) continue;
          expect(parseKey(key.slice(0, i) + c + key.slice(i + 1))).toBeNull();
        }
      }
    }
    expect(checked).toBeGreaterThan(30_000);
  });

  it("an environment swap fails the checksum (the env tag is covered)", () => {
    const { sharedKey } = generateKeyPair("development");
    expect(parseKey(sharedKey.replace("ak_dev_", "ak_stg_"))).toBeNull();
    expect(parseKey(sharedKey.replace("ak_", "sk_"))).toBeNull();
  });

  it("rejects transposed, truncated and extended keys", () => {
    for (let n = 0; n < 10; n++) {
      const { sharedKey, secretKey } = generateKeyPair("production");
      for (const key of [sharedKey, secretKey]) {
        const start = key.indexOf("_", 3) + 1;
        for (let i = start; i < key.length - 1; i++) {
          if (key[i] === key[i + 1]) continue;
          const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
          expect(parseKey(swapped), swapped).toBeNull();
        }
        expect(parseKey(key.slice(0, -1))).toBeNull();
        expect(parseKey(key.slice(1))).toBeNull();
        expect(parseKey(`${key}A`)).toBeNull();
        expect(parseKey(` ${key}`)).toBeNull();
        expect(parseKey(`${key}\n`)).toBeNull();
      }
    }
  });

  it("rejects wrong shapes and unknown environment tags", () => {
    const { sharedKey } = generateKeyPair("production");
    const body = sharedKey.slice("ak_prod_".length, -6);
    const make = (prefix: string, tag: string, b: string) => {
      const unchecked = `${prefix}_${tag}_${b}`;
      return unchecked + keyChecksum(unchecked);
    };
    expect(parseKey(make("ak", "prod", body))).toEqual({ kind: "shared", environment: "production" });
    expect(parseKey(make("ak", "test", body))).toBeNull(); // unknown tag, valid checksum
    expect(parseKey(make("ak", "PROD", body))).toBeNull();
    expect(parseKey(make("xk", "prod", body))).toBeNull();
    expect(parseKey(make("ak", "prod", `${body}abcdefgh`))).toBeNull(); // secret length with ak
    expect(parseKey(make("ak", "prod", body.slice(1)))).toBeNull();
    expect(parseKey(make("ak", "prod", `${body.slice(1)}-`))).toBeNull();
    expect(parseKey(sharedKey.replace(/_/g, "-"))).toBeNull();
  });

  it("accepts exactly what the documented shape and checksum accept", () => {
    // The definition parseKey is written against: the regular expression, the tags, the checksum.
    const reference = (k: string) => {
      const m = /^(ak|sk)_(dev|stg|prod)_([0-9A-Za-z]+)$/.exec(k);
      if (!m) return null;
      const kind = m[1] === "ak" ? "shared" : "secret";
      if (m[3]!.length !== (kind === "shared" ? 24 : 32) + 6) return null;
      if (keyChecksum(k.slice(0, -6)) !== k.slice(-6)) return null;
      const environment = ENVIRONMENTS.find((e) => ENV_TAG[e] === m[2])!;
      return { kind, environment };
    };
    const alphabet = `${BASE62_ALPHABET}_-ak sé\u0000💥ａ`;
    const pick = (s: string | readonly string[]) => s[Math.floor(Math.random() * s.length)]!;
    let valid = 0;
    for (let n = 0; n < 3000; n++) {
      const env = ENVIRONMENTS[n % 3]!;
      const pair = generateKeyPair(env);
      const key = n % 2 ? pair.sharedKey : pair.secretKey;
      const i = Math.floor(Math.random() * key.length);
      const variants = [
        key,
        key.slice(0, i) + pick(alphabet) + key.slice(i + 1),
        key.slice(0, i) + key.slice(i + 1),
        key.slice(0, i) + pick(alphabet) + key.slice(i),
        key.replace(/^(ak|sk)_[a-z]+_/, `$1_${pick(["dev", "stg", "prod", "qa", "devx", "DEV"])}_`),
        // A well-formed body re-checksummed under another prefix or tag.
        ((u: string) => u + keyChecksum(u))(
          key.slice(0, -6).replace(/^(ak|sk)_[a-z]+_/, `${pick(["ak", "sk", "xk"])}_${pick(["dev", "stg", "prod", "qa"])}_`),
        ),
      ];
      for (const v of variants) {
        const want = reference(v);
        if (want) valid++;
        expect(parseKey(v), v).toEqual(want);
      }
    }
    expect(valid).toBeGreaterThan(3000);
  });

  it("never throws on odd input", () => {
    const inputs: unknown[] = [
      "",
      "ak_",
      "ak_prod_",
      "x".repeat(10_000_000),
      `ak_prod_${"a".repeat(5_000_000)}`,
      "\u0000\uFFFF\uD800",
      "ak_prod_💥💥💥💥💥💥💥💥💥💥💥💥💥💥💥",
      "ак_prod_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "ak_prod_ａａａａａａａａａａａａａａａａａａａａａａａａａａａａａａ",
      null,
      undefined,
      42,
      {},
    ];
    for (const input of inputs) {
      expect(() => parseKey(input as string)).not.toThrow();
      expect(parseKey(input as string)).toBeNull();
      expect(isWellFormedSharedKey(input as string)).toBe(false);
      expect(isWellFormedSecretKey(input as string)).toBe(false);
    }
  });

  it("the scan pattern finds generated keys in text", () => {
    const { sharedKey, secretKey } = generateKeyPair("staging");
    const text = `config:\n  key=${sharedKey}\n  secret: "${secretKey}"\n  other: ak_stg_tooShort`;
    const found = [...text.matchAll(new RegExp(KEY_SCAN_PATTERN, "g"))].map((m) => m[0]);
    expect(found).toEqual([sharedKey, secretKey]);
    expect(found.every((k) => parseKey(k) !== null)).toBe(true);
  });

  it("rejects an unknown environment", () => {
    expect(() => generateKeyPair("qa" as Environment)).toThrow(TypeError);
  });
});

describe("hashSecret / verifySecret", () => {
  const { secretKey } = generateKeyPair("production");

  it("hashes with sha256 without a pepper", () => {
    const h = hashSecret(secretKey);
    expect(h).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(h).toBe(`sha256:${createHash("sha256").update(secretKey).digest("hex")}`);
    expect(hashSecret(secretKey, "")).toBe(h); // empty pepper = no pepper
  });

  it("hashes with hmac-sha256 with a pepper", () => {
    const h = hashSecret(secretKey, "pepper-1");
    expect(h).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(h).toBe(`hmac-sha256:${createHmac("sha256", "pepper-1").update(secretKey).digest("hex")}`);
    expect(hashSecret(secretKey, "pepper-2")).not.toBe(h);
  });

  it("verifies the right secret", () => {
    expect(verifySecret(secretKey, hashSecret(secretKey))).toBe(true);
    expect(verifySecret(secretKey, hashSecret(secretKey, "p"), "p")).toBe(true);
    // The stored algorithm wins: sha256 hashes keep working once a pepper is configured.
    expect(verifySecret(secretKey, hashSecret(secretKey), "p")).toBe(true);
  });

  it("rejects a wrong secret, a wrong pepper or a missing pepper", () => {
    const other = generateKeyPair("production").secretKey;
    expect(verifySecret(other, hashSecret(secretKey))).toBe(false);
    expect(verifySecret(secretKey.slice(0, -1), hashSecret(secretKey))).toBe(false);
    expect(verifySecret(`${secretKey}x`, hashSecret(secretKey))).toBe(false);
    expect(verifySecret("", hashSecret(secretKey))).toBe(false);
    expect(verifySecret(secretKey, hashSecret(secretKey, "p"), "q")).toBe(false);
    expect(verifySecret(secretKey, hashSecret(secretKey, "p"))).toBe(false);
    expect(verifySecret(secretKey, hashSecret(secretKey, "p"), "")).toBe(false);
  });

  it("rejects malformed stored hashes without throwing", () => {
    const good = hashSecret(secretKey);
    const hex = good.slice("sha256:".length);
    const bad = [
      "",
      "sha256:",
      hex,
      `sha256:${hex.slice(0, -2)}`,
      `sha256:${hex}00`,
      `sha256:${hex.toUpperCase()}`,
      `sha256:${hex.slice(0, -1)}g`,
      `md5:${hex}`,
      `SHA256:${hex}`,
      `sha256: ${hex}`,
      `sha256:${"0".repeat(1_000_000)}`,
      `hmac-sha256:${hex.slice(0, 10)}`,
    ];
    for (const stored of bad) {
      expect(() => verifySecret(secretKey, stored, "p")).not.toThrow();
      expect(verifySecret(secretKey, stored)).toBe(false);
    }
    expect(verifySecret(secretKey, null as unknown as string)).toBe(false);
    expect(verifySecret(undefined as unknown as string, good)).toBe(false);
  });
});

describe("display helpers and ids", () => {
  it("secretLast4 and maskSecret", () => {
    expect(secretLast4("sk_prod_abcdefAB12")).toBe("AB12");
    expect(maskSecret("production", "AB12")).toBe("sk_prod_••••••••AB12");
    expect(maskSecret("development", "zz99")).toBe("sk_dev_••••••••zz99");
    expect(maskSecret("stg", "AB12")).toBe("sk_stg_••••••••AB12");
    expect(maskSecret("sk_prod", "AB12")).toBe("sk_prod_••••••••AB12");
    expect(maskSecret("sk_prod_", "AB12")).toBe("sk_prod_••••••••AB12");
  });

  it("public ids have their prefixes and lengths", () => {
    expect(newAppPublicId()).toMatch(/^app_[0-9A-Za-z]{12}$/);
    expect(newCredentialId()).toMatch(/^cred_[0-9A-Za-z]{14}$/);
    expect(newAppPublicId()).not.toBe(newAppPublicId());
  });
});
