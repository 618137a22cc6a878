import { describe, expect, it } from "vitest";
import type { EndpointRow } from "../catalog/service.js";
import { generateKeyPair, hashSecret, type Environment } from "../credentials/key-format.js";
import { FailureWindow, VerifyService, type CredentialRecord, type CredentialStore, type VerifyOutcome } from "./service.js";

// The store is the database boundary: here a map whose every write gets a "transaction id", with
// call counters, so index upkeep can be walked with a fake monotonic clock. The e2e tests run the
// same service on both databases.

const ENDPOINTS: EndpointRow[] = [
  { id: "payments.list", api: "Payments", method: "GET", path: "/payments", summary: "" },
  { id: "payments.get", api: "Payments", method: "GET", path: "/payments/{paymentId}", summary: "" },
  { id: "payments.search", api: "Payments", method: "GET", path: "/payments/search", summary: "" },
  { id: "orders.create", api: "Orders", method: "POST", path: "/orders", summary: "" },
];

class MapStore implements CredentialStore {
  private readonly rows = new Map<string, { rec: CredentialRecord; txid: number }>();
  private txid = 1;
  calls = { snapshot: 0, page: 0, changedSince: 0, findMany: 0 };
  fail: Error | null = null;

  /** Writes (or rewrites) a record in a new "transaction". */
  put(rec: CredentialRecord): void {
    this.rows.set(rec.sharedKey, { rec: { ...rec }, txid: ++this.txid });
  }
  delete(sharedKey: string): void {
    this.rows.delete(sharedKey);
  }
  get(sharedKey: string): CredentialRecord {
    return { ...this.rows.get(sharedKey)!.rec };
  }
  private check() {
    if (this.fail) throw this.fail;
  }
  async snapshot() {
    this.calls.snapshot++;
    this.check();
    return `${this.txid + 1}:${this.txid + 1}:`;
  }
  async count() {
    this.check();
    return this.rows.size;
  }
  async scan(pageSize: number, onPage: (rows: CredentialRecord[]) => Promise<void>) {
    const from = await this.snapshot();
    const all = [...this.rows.values()].map((r) => ({ ...r.rec }));
    for (let i = 0; i === 0 || i < all.length; i += pageSize) {
      this.calls.page++;
      this.check();
      await onPage(all.slice(i, i + pageSize));
    }
    return from;
  }
  async changedSince(snapshot: string) {
    this.calls.changedSince++;
    this.check();
    const xmin = Number(snapshot.split(":")[0]);
    return [...this.rows.values()].filter((r) => r.txid >= xmin).map((r) => ({ ...r.rec }));
  }
  async findMany(keys: string[]) {
    this.calls.findMany++;
    this.check();
    return keys.flatMap((k) => (this.rows.has(k) ? [{ ...this.rows.get(k)!.rec }] : []));
  }
  get reads() {
    return this.calls.page + this.calls.changedSince + this.calls.findMany;
  }
}

function setup(
  o: { pepper?: string; secretFailures?: { max: number; windowMs: number }; callerFailures?: { max: number; windowMs: number } } = {},
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
    pageSize: 2,
  });
  let n = 0;
  const add = (p: { environment?: Environment; endpoints?: string[]; status?: "ACTIVE" | "REVOKED"; revokeAtMs?: number | null } = {}) => {
    const env = p.environment ?? "production";
    const keys = generateKeyPair(env);
    const rec: CredentialRecord = {
      sharedKey: keys.sharedKey,
      credentialId: `cred_${String(++n).padStart(14, "0")}`,
      appPublicId: "app_AAAAAAAAAAAA",
      environment: env,
      secretHash: hashSecret(keys.secretKey, o.pepper),
      status: p.status ?? "ACTIVE",
      revokeAtMs: p.revokeAtMs ?? null,
      appArchived: false,
      endpoints: (p.endpoints ?? ["payments.get", "payments.list"]).join(","),
    };
    store.put(rec);
    return { ...keys, rec };
  };
  const change = (k: { sharedKey: string }, patch: Partial<CredentialRecord>) => store.put({ ...store.get(k.sharedKey), ...patch });
  return { store, svc, logs, add, change, advance: (ms: number) => (now += ms), advanceMono: (ms: number) => (mono += ms), now: () => now };
}

const answer = (o: VerifyOutcome | Promise<VerifyOutcome>) => {
  if (o instanceof Promise) throw new Error("expected an answer without waiting");
  if (o.kind !== "answer") throw new Error(`no verdict: ${JSON.stringify(o)}`);
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

  it("MALFORMED for bad format or checksum, even before the index is loaded", () => {
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
      expect(answer(t.svc.verifyNow({ sharedKey, secretKey }, "c"))).toEqual({ valid: false, code: "MALFORMED" });
    expect(t.store.reads).toBe(0);
  });

  it("gives no verdict for a well-formed key until the index is loaded", async () => {
    const t = setup();
    const k = t.add();
    expect(t.svc.verifyNow(k, "c")).toEqual({ kind: "unavailable", retryAfterSeconds: 1, reason: "starting" });
    expect(t.svc.stats.refused.starting).toBe(1);
    await t.svc.reload();
    expect(answer(t.svc.verifyNow(k, "c")).valid).toBe(true);
  });

  it("NOT_FOUND for unknown keys and wrong secrets, from memory", async () => {
    const t = setup();
    const k = t.add();
    await t.svc.reload();
    const reads = t.store.reads;
    for (let i = 0; i < 50; i++)
      expect(answer(t.svc.verifyNow(generateKeyPair("production"), "c"))).toEqual({ valid: false, code: "NOT_FOUND" });
    expect(answer(t.svc.verifyNow({ sharedKey: k.sharedKey, secretKey: wrongSecret() }, "c"))).toEqual({
      valid: false,
      code: "NOT_FOUND",
    });
    expect(t.store.reads).toBe(reads);
  });

  it("REVOKED when revoked, when the app is archived, and from revokeAt on, from memory", async () => {
    const t = setup();
    const revoked = t.add({ status: "REVOKED" });
    const archived = t.add();
    t.change(archived, { appArchived: true });
    const grace = t.add({ revokeAtMs: t.now() + 60_000 });
    await t.svc.reload();
    const reads = t.store.reads;
    expect(answer(t.svc.verifyNow(revoked, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(answer(t.svc.verifyNow(archived, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(answer(t.svc.verifyNow(grace, "c")).valid).toBe(true);
    t.advance(59_999);
    expect(answer(t.svc.verifyNow(grace, "c")).valid).toBe(true);
    t.advance(1);
    expect(answer(t.svc.verifyNow(grace, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(t.store.reads).toBe(reads); // the grace period ran out in memory
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

describe("VerifyService index upkeep", () => {
  it("a reconcile applies every change since the last snapshot: new, revoked, endpoints, archived", async () => {
    const t = setup();
    const [same, revoked, moved, archived] = [t.add(), t.add(), t.add({ endpoints: ["payments.get"] }), t.add()];
    await t.svc.reload();
    const later = t.add();
    t.change(revoked, { status: "REVOKED" });
    t.change(moved, { endpoints: "payments.get,payments.list" });
    t.change(archived, { appArchived: true });
    expect(answer(t.svc.verifyNow(later, "c")).valid).toBe(false); // not seen yet
    await t.svc.reconcile();
    expect(t.store.calls.changedSince).toBe(2); // the reload's catch-up, then this round
    expect(answer(t.svc.verifyNow(same, "c")).valid).toBe(true);
    expect(answer(t.svc.verifyNow(later, "c")).valid).toBe(true);
    expect(answer(t.svc.verifyNow(revoked, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(answer(t.svc.verifyNow({ ...moved, endpoint: "GET /payments" }, "c")).valid).toBe(true);
    expect(answer(t.svc.verifyNow(archived, "c"))).toEqual({ valid: false, code: "REVOKED" });
    expect(t.svc.stats.changes).toBe(4);
  });

  it("a notification re-reads the shared key it names; an unreadable one asks for a reconcile", async () => {
    const t = setup();
    const a = t.add();
    const gone = t.add();
    await t.svc.start({ listen: async () => async () => {} });
    try {
      t.change(a, { status: "REVOKED" });
      t.svc.onChange(JSON.stringify({ sharedKey: a.sharedKey, credentialId: a.rec.credentialId }));
      t.store.delete(gone.sharedKey);
      t.svc.onChange(JSON.stringify({ sharedKey: gone.sharedKey, credentialId: gone.rec.credentialId }));
      await expect.poll(() => t.svc.verifyNow(a, "c")).toEqual({ kind: "answer", answer: { valid: false, code: "REVOKED" } });
      await expect.poll(() => answer(t.svc.verifyNow(gone, "c"))).toEqual({ valid: false, code: "NOT_FOUND" });
      expect(t.store.calls.findMany).toBeGreaterThanOrEqual(1);
      const rounds = t.store.calls.changedSince;
      t.svc.onChange("not json");
      await expect.poll(() => t.store.calls.changedSince).toBeGreaterThan(rounds);
    } finally {
      await t.svc.stop();
    }
  });

  it("refuses verdicts from an index not confirmed current for a second (database out of reach), and logs it once", async () => {
    const t = setup();
    const k = t.add();
    await t.svc.reload();
    t.store.fail = new Error("connection refused");
    await expect(t.svc.reconcile()).rejects.toThrow("connection refused");
    t.advanceMono(1000);
    expect(answer(t.svc.verifyNow(k, "c")).valid).toBe(true);
    t.advanceMono(1);
    expect(t.svc.verifyNow(k, "c")).toEqual({ kind: "unavailable", retryAfterSeconds: 1, reason: "stale" });
    expect(t.svc.stats.refused.stale).toBe(1);
    t.store.fail = null;
    await t.svc.reconcile();
    expect(answer(t.svc.verifyNow(k, "c")).valid).toBe(true);
  });

  it("a full reload forgets credentials deleted behind the app's back", async () => {
    const t = setup();
    const [a, b, c] = [t.add(), t.add(), t.add()];
    await t.svc.reload();
    t.store.delete(b.sharedKey);
    await t.svc.reload();
    expect(answer(t.svc.verifyNow(a, "c")).valid).toBe(true);
    expect(answer(t.svc.verifyNow(b, "c"))).toEqual({ valid: false, code: "NOT_FOUND" });
    expect(answer(t.svc.verifyNow(c, "c")).valid).toBe(true);
    expect(t.svc.stats).toMatchObject({ reloads: 2, indexed: 2 });
  });

  it("logs refused calls once per interval, with counts per reason", async () => {
    const t = setup({ callerFailures: { max: 1, windowMs: 10_000 } });
    for (let i = 0; i < 5; i++) t.svc.verifyNow({ sharedKey: "x", secretKey: "y" }, "gw");
    t.svc.countRefusal("overloaded");
    t.svc.countRefusal("overloaded");
    await t.svc.stop(); // flushes the tally
    expect(t.logs.filter((l) => /verify refused calls/.test(l))).toHaveLength(1);
    expect(t.svc.stats.refused).toMatchObject({ throttledCaller: 4, overloaded: 2 });
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
    t.change(k, { status: "REVOKED" });
    await t.svc.reconcile();
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
