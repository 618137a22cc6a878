import { describe, expect, it } from "vitest";
import type { EndpointRow } from "../catalog/service.js";
import { generateKeyPair, hashSecret, verifySecret, type Environment } from "../credentials/key-format.js";
import { FailureWindow, VerifyService, secretChecker, type CredentialRecord, type CredentialStore, type VerifyOutcome } from "./service.js";

// The store is the database boundary: here a map with call counters, so cache timing can be
// walked with a fake monotonic clock. The e2e tests run the same service on both databases.

const ENDPOINTS: EndpointRow[] = [
  { id: "payments.list", api: "Payments", method: "GET", path: "/payments", summary: "" },
  { id: "payments.get", api: "Payments", method: "GET", path: "/payments/{paymentId}", summary: "" },
  { id: "payments.search", api: "Payments", method: "GET", path: "/payments/search", summary: "" },
  { id: "orders.create", api: "Orders", method: "POST", path: "/orders", summary: "" },
];

class MapStore implements CredentialStore {
  readonly rows = new Map<string, CredentialRecord>();
  finds = 0;
  findManys = 0;
  fail: Error | null = null;
  /** When set, find() waits for it (to interleave a notification with a read). */
  gate: Promise<void> | null = null;

  async find(sharedKey: string) {
    this.finds++;
    const snapshot = this.rows.get(sharedKey);
    const copy = snapshot ? { ...snapshot, endpointIds: [...snapshot.endpointIds] } : null;
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    return copy;
  }

  async findMany(keys: string[]) {
    this.findManys++;
    if (this.fail) throw this.fail;
    return keys.flatMap((k) => (this.rows.has(k) ? [{ ...this.rows.get(k)!, endpointIds: [...this.rows.get(k)!.endpointIds] }] : []));
  }
}

function setup(
  o: {
    pepper?: string;
    secretFailures?: { max: number; windowMs: number };
    callerFailures?: { max: number; windowMs: number };
    maxNegativeEntries?: number;
    maxEntries?: number;
  } = {},
) {
  const store = new MapStore();
  let now = Date.parse("2026-03-02T10:00:00Z");
  let mono = 1_000;
  const logs: string[] = [];
  const svc = new VerifyService({
    store,
    clock: () => new Date(now),
    monotonic: () => mono,
    pepper: o.pepper,
    endpoints: { all: () => ENDPOINTS, get: (id) => ENDPOINTS.find((e) => e.id === id) },
    logger: { info: (_o, m) => logs.push(m), warn: (_o, m) => logs.push(m) },
    secretFailures: o.secretFailures,
    callerFailures: o.callerFailures,
    maxNegativeEntries: o.maxNegativeEntries,
    maxEntries: o.maxEntries,
  });
  let n = 0;
  const add = (p: { environment?: Environment; endpoints?: string[]; status?: "ACTIVE" | "REVOKED"; revokeAt?: Date | null } = {}) => {
    const env = p.environment ?? "production";
    const keys = generateKeyPair(env);
    const rec: CredentialRecord = {
      sharedKey: keys.sharedKey,
      credentialId: `cred_${String(++n).padStart(14, "0")}`,
      appPublicId: "app_AAAAAAAAAAAA",
      environment: env,
      secretHash: hashSecret(keys.secretKey, o.pepper),
      status: p.status ?? "ACTIVE",
      revokeAt: p.revokeAt ?? null,
      appArchived: false,
      endpointIds: p.endpoints ?? ["payments.get", "payments.list"],
    };
    store.rows.set(keys.sharedKey, rec);
    return { ...keys, rec };
  };
  return {
    store,
    svc,
    logs,
    add,
    advance: (ms: number) => {
      now += ms;
    },
    advanceMono: (ms: number) => {
      mono += ms;
    },
    now: () => now,
  };
}

const answer = (o: VerifyOutcome) => {
  if (o.kind !== "answer") throw new Error(`throttled: ${JSON.stringify(o)}`);
  return o.answer;
};
const wrongSecret = (env: Environment = "production") => generateKeyPair(env).secretKey;

describe("VerifyService answers", () => {
  it("valid, with app, credential, environment and live endpoints sorted", async () => {
    const t = setup();
    const k = t.add({ endpoints: ["payments.list", "retired.endpoint", "payments.get", "payments.get"] });
    expect(answer(await t.svc.verify(k, "c"))).toEqual({
      valid: true,
      appId: "app_AAAAAAAAAAAA",
      credentialId: k.rec.credentialId,
      environment: "production",
      endpoints: ["payments.get", "payments.list"],
    });
  });

  it("MALFORMED for bad format or checksum, without asking the store", async () => {
    const t = setup();
    const k = t.add();
    const cases: [string, string][] = [
      [k.sharedKey.slice(0, -1) + (k.sharedKey.endsWith("A") ? "B" : "A"), k.secretKey],
      [k.sharedKey, k.secretKey.slice(0, -1) + (k.secretKey.endsWith("A") ? "B" : "A")],
      [k.secretKey, k.sharedKey],
      [k.sharedKey, k.sharedKey],
      [k.sharedKey, generateKeyPair("staging").secretKey],
      ["", ""],
      ["ak_prod_", "sk_prod_"],
    ];
    for (const [sharedKey, secretKey] of cases)
      expect(answer(await t.svc.verify({ sharedKey, secretKey }, "c"))).toEqual({ valid: false, code: "MALFORMED" });
    expect(t.store.finds + t.store.findManys).toBe(0);
  });

  it("NOT_FOUND for unknown keys and wrong secrets", async () => {
    const t = setup();
    const k = t.add();
    expect(answer(await t.svc.verify(generateKeyPair("production"), "c"))).toEqual({ valid: false, code: "NOT_FOUND" });
    expect(answer(await t.svc.verify({ sharedKey: k.sharedKey, secretKey: wrongSecret() }, "c"))).toEqual({
      valid: false,
      code: "NOT_FOUND",
    });
  });

  it("REVOKED when revoked, when the app is archived, and from revokeAt on", async () => {
    const t = setup();
    const revoked = t.add({ status: "REVOKED" });
    expect(answer(await t.svc.verify(revoked, "c"))).toEqual({ valid: false, code: "REVOKED" });
    const archived = t.add();
    archived.rec.appArchived = true;
    expect(answer(await t.svc.verify(archived, "c"))).toEqual({ valid: false, code: "REVOKED" });
    const grace = t.add({ revokeAt: new Date(t.now() + 60_000) });
    expect(answer(await t.svc.verify(grace, "c")).valid).toBe(true);
    t.advance(59_999);
    expect(answer(await t.svc.verify(grace, "c")).valid).toBe(true);
    t.advance(1);
    expect(answer(await t.svc.verify(grace, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(t.store.finds).toBe(3); // the grace period ran out on a cached entry
  });

  it("checks endpoints against path templates, literals first", async () => {
    const t = setup();
    const k = t.add({ endpoints: ["payments.get", "orders.create"] });
    const v = async (endpoint: string) => answer(await t.svc.verify({ ...k, endpoint }, "c"));
    expect(await v("GET /payments/123")).toMatchObject({ valid: true, endpoint: "payments.get" });
    expect(await v("post /orders?x=1")).toMatchObject({ valid: true, endpoint: "orders.create" });
    expect(await v("GET /payments/search")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    expect(await v("GET /payments")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    expect(await v("GET /nowhere")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    expect(await v("not an endpoint")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
  });

  it("verifies peppered (hmac) hashes with the pepper", async () => {
    const t = setup({ pepper: "pepper-pepper-pepper-1234" });
    const k = t.add();
    expect(k.rec.secretHash).toMatch(/^hmac-sha256:/);
    expect(answer(await t.svc.verify(k, "c")).valid).toBe(true);
  });

  it("collects used credential ids for the last-used flush", async () => {
    const t = setup();
    const a = t.add();
    const b = t.add({ status: "REVOKED" });
    await t.svc.verify(a, "c");
    await t.svc.verify(a, "c");
    await t.svc.verify(b, "c");
    expect(t.svc.takeUsed()).toEqual([a.rec.credentialId]);
    expect(t.svc.takeUsed()).toEqual([]);
    t.svc.restoreUsed(["cred_x"]);
    expect(t.svc.takeUsed()).toEqual(["cred_x"]);
  });
});

describe("VerifyService cache", () => {
  it("serves repeated lookups from memory while the entry is confirmed, and reads again once too old", async () => {
    const t = setup();
    const k = t.add();
    await t.svc.verify(k, "c");
    t.advanceMono(800);
    await t.svc.verify(k, "c");
    expect(t.store.finds).toBe(1);
    expect(t.svc.stats.hits).toBe(1);
    t.advanceMono(101); // 901 ms since the read started: no longer trusted
    await t.svc.verify(k, "c");
    expect(t.store.finds).toBe(2);
  });

  it("re-checks keep unchanged entries fresh and drop changed, vanished or appeared ones", async () => {
    const t = setup();
    const same = t.add();
    const revoked = t.add();
    const gone = t.add();
    const later = generateKeyPair("production");
    for (const k of [same, revoked, gone, later]) await t.svc.verify(k, "c");
    expect(t.store.finds).toBe(4);

    revoked.rec.status = "REVOKED";
    t.store.rows.delete(gone.sharedKey);
    const appeared = t.add();
    t.store.rows.delete(appeared.sharedKey);
    t.store.rows.set(later.sharedKey, { ...appeared.rec, sharedKey: later.sharedKey, secretHash: hashSecret(later.secretKey) });

    t.advanceMono(600);
    await t.svc.revalidate();
    expect(t.store.findManys).toBe(1);
    expect(t.svc.stats.invalidations).toBe(3);
    t.advanceMono(600); // 1200 ms after the first read, 600 after the re-check
    expect(answer(await t.svc.verify(same, "c")).valid).toBe(true);
    expect(t.store.finds).toBe(4); // still a hit
    expect(answer(await t.svc.verify(revoked, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(answer(await t.svc.verify(gone, "c"))).toEqual({ valid: false, code: "NOT_FOUND" });
    expect(answer(await t.svc.verify(later, "c")).valid).toBe(true);
    expect(t.store.finds).toBe(7);
  });

  it("notices endpoint changes in a re-check", async () => {
    const t = setup();
    const k = t.add({ endpoints: ["payments.get"] });
    expect(answer(await t.svc.verify({ ...k, endpoint: "GET /payments" }, "c")).valid).toBe(false);
    k.rec.endpointIds = ["payments.get", "payments.list"];
    await t.svc.revalidate();
    expect(answer(await t.svc.verify({ ...k, endpoint: "GET /payments" }, "c")).valid).toBe(true);
  });

  it("drops an entry on a change notification (by shared key, by credential id, or everything)", async () => {
    const t = setup();
    const a = t.add();
    const b = t.add();
    const c = t.add();
    for (const k of [a, b, c]) await t.svc.verify(k, "c");
    a.rec.status = "REVOKED";
    t.svc.onChange(JSON.stringify({ sharedKey: a.sharedKey, credentialId: a.rec.credentialId }));
    expect(answer(await t.svc.verify(a, "c"))).toEqual({ valid: false, code: "REVOKED" });
    t.svc.onChange(JSON.stringify({ credentialId: b.rec.credentialId }));
    expect(t.svc.stats.cached).toBe(2);
    t.svc.onChange("not json");
    expect(t.svc.stats.cached).toBe(0);
    expect(t.store.finds).toBe(4);
  });

  it("does not cache a read that overlapped a notification, and later requests do not join it", async () => {
    const t = setup();
    const k = t.add();
    let open!: () => void;
    t.store.gate = new Promise((r) => (open = r));
    const first = t.svc.verify(k, "c"); // reads the ACTIVE row, then waits
    await Promise.resolve();
    k.rec.status = "REVOKED";
    t.svc.onChange(JSON.stringify({ sharedKey: k.sharedKey }));
    t.store.gate = null;
    const second = t.svc.verify(k, "c"); // must not share the first read
    open();
    expect(answer(await first).valid).toBe(true); // concurrent with the revocation: either is fair
    expect(answer(await second)).toEqual({ valid: false, code: "REVOKED" });
    expect(answer(await t.svc.verify(k, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(t.store.finds).toBe(2);
  });

  it("reads a key once for concurrent requests", async () => {
    const t = setup();
    const k = t.add();
    const all = await Promise.all(Array.from({ length: 20 }, () => t.svc.verify(k, "c")));
    expect(all.every((o) => answer(o).valid)).toBe(true);
    expect(t.store.finds).toBe(1);
  });

  it("fails closed when the store fails: re-check errors are logged once and entries age out", async () => {
    const t = setup();
    const k = t.add();
    await t.svc.verify(k, "c");
    t.store.fail = new Error("connection refused");
    await t.svc.revalidate();
    await t.svc.revalidate();
    expect(t.logs.filter((l) => /re-check failed/.test(l))).toHaveLength(1);
    t.advanceMono(1000);
    await expect(t.svc.verify(k, "c")).rejects.toThrow("connection refused");
  });

  it("stops re-checking idle keys and bounds negative entries", async () => {
    const t = setup({ maxNegativeEntries: 2 });
    const k = t.add();
    await t.svc.verify(k, "c");
    for (let i = 0; i < 4; i++) await t.svc.verify(generateKeyPair("production"), "c");
    expect(t.svc.stats.cached).toBe(3); // one found + two misses
    t.advanceMono(61_000);
    await t.svc.revalidate();
    expect(t.svc.stats.cached).toBe(0);
    expect(t.store.findManys).toBe(0);
  });

  it("evicts the oldest entry past maxEntries", async () => {
    const t = setup({ maxEntries: 2 });
    const [a, b, c] = [t.add(), t.add(), t.add()];
    for (const k of [a, b, c]) await t.svc.verify(k, "c");
    expect(t.svc.stats.cached).toBe(2);
    await t.svc.verify(c, "c");
    await t.svc.verify(a, "c");
    expect(t.store.finds).toBe(4); // c was a hit, a had been evicted
  });
});

describe("VerifyService throttling", () => {
  it("throttles wrong secrets per shared key but lets the right secret through", async () => {
    const t = setup({ secretFailures: { max: 3, windowMs: 10_000 } });
    const k = t.add();
    const other = t.add();
    const wrong = () => t.svc.verify({ sharedKey: k.sharedKey, secretKey: wrongSecret() }, "attacker");
    for (let i = 0; i < 3; i++) expect(answer(await wrong()).valid).toBe(false);
    expect(t.logs.filter((l) => /repeated wrong secrets/.test(l))).toHaveLength(1);
    t.advance(2_500);
    expect(await wrong()).toEqual({ kind: "throttled", retryAfterSeconds: 8, reason: "secret" });
    expect(answer(await t.svc.verify(k, "owner")).valid).toBe(true);
    expect(answer(await t.svc.verify({ ...k, endpoint: "GET /payments/1" }, "attacker")).valid).toBe(true);
    expect(answer(await t.svc.verify(other, "attacker")).valid).toBe(true);
    // A revoked key is still REVOKED for the right secret while throttled.
    k.rec.status = "REVOKED";
    t.svc.onChange(JSON.stringify({ sharedKey: k.sharedKey }));
    expect(answer(await t.svc.verify(k, "owner"))).toEqual({ valid: false, code: "REVOKED" });
    expect((await wrong()).kind).toBe("throttled");
    t.advance(10_001);
    expect((await wrong()).kind).toBe("answer");
    expect(t.logs.filter((l) => /repeated wrong secrets/.test(l))).toHaveLength(1);
  });

  it("does not count unknown shared keys per key", async () => {
    const t = setup({ secretFailures: { max: 2, windowMs: 10_000 } });
    const ghost = generateKeyPair("production");
    for (let i = 0; i < 5; i++) expect(answer(await t.svc.verify(ghost, "c"))).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("throttles a caller's malformed requests only", async () => {
    const t = setup({ callerFailures: { max: 2, windowMs: 10_000 } });
    const k = t.add();
    const junk = { sharedKey: "nope", secretKey: "nope" };
    expect(answer(await t.svc.verify(junk, "gw1"))).toEqual({ valid: false, code: "MALFORMED" });
    expect(answer(await t.svc.verify(junk, "gw1"))).toEqual({ valid: false, code: "MALFORMED" });
    expect(await t.svc.verify(junk, "gw1")).toEqual({ kind: "throttled", retryAfterSeconds: 10, reason: "caller" });
    expect(answer(await t.svc.verify(k, "gw1")).valid).toBe(true);
    expect(answer(await t.svc.verify(junk, "gw2"))).toEqual({ valid: false, code: "MALFORMED" });
    t.advance(10_000);
    expect(answer(await t.svc.verify(junk, "gw1"))).toEqual({ valid: false, code: "MALFORMED" });
  });
});

describe("FailureWindow", () => {
  it("is a sliding window over the last max failures", () => {
    const w = new FailureWindow(3, 1000);
    expect(w.record("k", 0)).toBe(false);
    expect(w.record("k", 100)).toBe(false);
    expect(w.record("k", 200)).toBe(true);
    expect(w.blockedFor("k", 500)).toBe(500);
    expect(w.blockedFor("k", 1000)).toBe(0);
    expect(w.record("k", 1000)).toBe(true); // 100, 200, 1000 are within (0, 1000]
    expect(w.blockedFor("k", 1100)).toBe(0);
  });

  it("keeps its memory bounded", () => {
    const w = new FailureWindow(2, 1000);
    for (let i = 0; i < 25_000; i++) w.record(`k${i}`, i);
    expect(w.size).toBeLessThanOrEqual(10_001);
  });
});

describe("secretChecker", () => {
  it("answers exactly like verifySecret", () => {
    const pepper = "pepper-pepper-pepper-1234";
    const secrets = [generateKeyPair("production").secretKey, generateKeyPair("development").secretKey, "", "sk_dev_é☃", "x".repeat(300)];
    const hashes = [
      ...secrets.map((x) => hashSecret(x)),
      ...secrets.map((x) => hashSecret(x, pepper)),
      `sha256:${"A".repeat(64)}`, // upper-case hex is not a valid stored hash
      "sha256:abc",
      "md5:0123",
      "",
    ];
    for (const stored of hashes) {
      for (const p of [undefined, pepper]) {
        const check = secretChecker(stored, p);
        for (const secret of secrets)
          expect(check(secret), `${stored.slice(0, 20)} ${p ?? "-"} ${secret.slice(0, 10)}`).toBe(verifySecret(secret, stored, p));
      }
    }
    expect(secretChecker(hashSecret("a"))(undefined as unknown as string)).toBe(false);
  });
});
