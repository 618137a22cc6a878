import { describe, expect, it } from "vitest";
import { generateKeyPair, hashSecret, verifySecret } from "../credentials/key-format.js";
import { CredentialIndex } from "./credential-index.js";
import { IdPacker } from "./packed-id.js";
import { DIGEST_BYTES, digestMatches, storeDigest } from "./secret-digest.js";
import type { CredentialRecord } from "./store.js";

function record(p: Partial<CredentialRecord> & { secretKey?: string } = {}): CredentialRecord & { secretKey: string } {
  const keys = generateKeyPair("staging");
  const secretKey = p.secretKey ?? keys.secretKey;
  return {
    sharedKey: keys.sharedKey,
    credentialId: "cred_0123456789abcd",
    appPublicId: "app_ABCDEFabcdef",
    environment: "staging",
    secretHash: hashSecret(secretKey),
    status: "ACTIVE",
    revokeAtMs: null,
    appArchived: false,
    endpoints: "",
    ...p,
    secretKey,
  };
}

describe("CredentialIndex", () => {
  it("finds bulk-loaded and later-added credentials, and nothing else", () => {
    const index = new CredentialIndex(10);
    const loaded = Array.from({ length: 500 }, (_, i) => record({ credentialId: `cred_${String(i).padStart(14, "0")}` }));
    for (const r of loaded) index.append(r, 0);
    index.seal();
    const later = Array.from({ length: 50 }, (_, i) => record({ credentialId: `cred_L${String(i).padStart(13, "0")}` }));
    for (const r of later) index.upsert(r, 1); // grows past the capacity, lands in the overlay
    for (const r of [...loaded, ...later]) {
      const i = index.find(r.sharedKey);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(index.credentialId(i)).toBe(r.credentialId);
      expect(index.secretMatches(i, r.secretKey, undefined)).toBe(true);
    }
    for (let n = 0; n < 1000; n++) expect(index.find(generateKeyPair("staging").sharedKey)).toBe(-1);
    expect(index.size).toBe(550);
    index.seal(); // folds the overlay in
    for (const r of later) expect(index.endpointSet(index.find(r.sharedKey))).toBe(1);
  });

  it("updates a credential in place and keeps grace periods, flags and odd ids", () => {
    const index = new CredentialIndex();
    const r = record({ credentialId: "cred_LastUsed000000", appPublicId: "app_LastUsed0001" });
    index.upsert(r, 3);
    const i = index.find(r.sharedKey);
    expect([index.credentialId(i), index.appPublicId(i), index.environment(i), index.endpointSet(i)]).toEqual([
      "cred_LastUsed000000",
      "app_LastUsed0001",
      "staging",
      3,
    ]);
    expect(index.refusedAt(i, 0)).toBe(false);
    index.upsert({ ...r, revokeAtMs: 1000 }, 3);
    expect(index.find(r.sharedKey)).toBe(i);
    expect([index.refusedAt(i, 999), index.refusedAt(i, 1000)]).toEqual([false, true]);
    index.upsert({ ...r, status: "REVOKED" }, 3);
    expect(index.refusedAt(i, 0)).toBe(true);
    index.upsert({ ...r, appArchived: true }, 3);
    expect(index.refusedAt(i, 0)).toBe(true);
    index.upsert({ ...r, credentialId: "cred_odd" }, 3); // another credential, same shared key fingerprint
    expect(index.size).toBe(2);
    expect(index.remove(r.sharedKey, "cred_odd")).toBe(true);
    expect(index.credentialId(index.find(r.sharedKey))).toBe("cred_LastUsed000000");
    expect(index.remove(r.sharedKey, "cred_LastUsed000000")).toBe(true);
    expect(index.find(r.sharedKey)).toBe(-1);
  });

  it("tells two credentials with the same fingerprint apart by their secrets", () => {
    // Every key gets the same fingerprint here.
    const index = new CredentialIndex(16, (_key, out) => out.set([0x12345678, 0x9abcdef0]));
    const a = record({ credentialId: "cred_AAAAAAAAAAAAAA" });
    const b = record({ credentialId: "cred_BBBBBBBBBBBBBB" });
    index.append(a, 0);
    index.seal();
    index.upsert(b, 0);
    const rows = index.candidates(a.sharedKey);
    expect(rows.map((r) => index.credentialId(r)).sort()).toEqual([a.credentialId, b.credentialId]);
    expect(rows.every((r) => index.isAmbiguous(r))).toBe(true);
    const bRow = rows.find((r) => index.secretMatches(r, b.secretKey, undefined));
    expect(bRow !== undefined && index.credentialId(bRow)).toBe(b.credentialId);
    index.upsert({ ...b, status: "REVOKED" }, 0);
    expect(index.size).toBe(2);
    expect(index.refusedAt(bRow!, 0)).toBe(true);
  });

  it("stays within 64 bytes per credential (the budget: 64 MB for a million)", () => {
    const n = 20_000;
    const index = new CredentialIndex(n + 1024);
    for (let i = 0; i < n; i++) index.append(record({ credentialId: `cred_${String(i).padStart(14, "0")}` }), 0);
    index.seal();
    expect(index.bytes() / n).toBeLessThan(64);
  });
});

describe("IdPacker", () => {
  it("round-trips ids of its shape and refuses others", () => {
    const p = new IdPacker("cred_", 14);
    expect(p.width).toBe(11);
    const buf = new Uint8Array(p.width * 2);
    for (const id of ["cred_00000000000000", "cred_zzzzzzzzzzzzzz", "cred_3kT9x2mQ8wLpZr"]) {
      expect(p.pack(id, buf, p.width)).toBe(true);
      expect(p.unpack(buf, p.width)).toBe(id);
    }
    for (const id of ["cred_short", "crud_3kT9x2mQ8wLpZr", "cred_3kT9x2mQ8wLpZ-", "cred_3kT9x2mQ8wLpZré"])
      expect(p.pack(id, buf, 0)).toBe(false);
    expect(new IdPacker("app_", 12).width).toBe(10);
  });
});

describe("secret digests", () => {
  it("answer exactly like verifySecret", () => {
    const pepper = "pepper-pepper-pepper-1234";
    const secrets = [generateKeyPair("production").secretKey, generateKeyPair("development").secretKey, "", "sk_dev_é☃", "x".repeat(300)];
    const hashes = [
      ...secrets.map((x) => hashSecret(x)),
      ...secrets.map((x) => hashSecret(x, pepper)),
      `sha256:${"A".repeat(64)}`, // upper-case hex is not a valid stored hash
      `sha256:${"a".repeat(63)}g`,
      "sha256:abc",
      "md5:0123",
      "",
    ];
    const buf = new Uint8Array(DIGEST_BYTES);
    for (const stored of hashes) {
      const kind = storeDigest(stored, buf, 0);
      for (const p of [undefined, pepper]) {
        for (const secret of secrets)
          expect(digestMatches(kind, secret, p, buf, 0), `${stored.slice(0, 20)} ${p ?? "-"} ${secret.slice(0, 10)}`).toBe(
            verifySecret(secret, stored, p),
          );
      }
    }
    expect(digestMatches(storeDigest(hashSecret("a"), buf, 0), undefined as unknown as string, undefined, buf, 0)).toBe(false);
  });
});
