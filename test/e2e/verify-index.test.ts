import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateKeyPair } from "../../src/features/credentials/key-format.js";
import { publishCredentialChange } from "../../src/features/credentials/notify.js";
import { startHarness, testClock, TEAM, type Harness } from "../support/harness.js";

// Every verdict comes from each replica's in-memory credential index: no database read per
// request, changes seen on every replica within a second (notification or reconcile), and no
// verdict at all before the index is loaded.

const TOKEN = "gateway-token-0123456789abcdef";
const ENV = { VERIFY_TOKENS: TOKEN };
const ALICE = "UALICE01";
type Json = any;

async function post(h: Pick<Harness, "url">, body: unknown): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(`${h.url}/v1/keys/verify`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** Polls until ok, returning how long it took; fails after timeoutMs. */
async function within<T>(timeoutMs: number, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<number> {
  const started = performance.now();
  for (;;) {
    const v = await fn();
    const ms = performance.now() - started;
    if (ok(v)) return ms;
    if (ms > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("the credential index behind POST /v1/keys/verify", () => {
  const clock = testClock();
  let a: Harness;
  let b: Harness;
  let seq = 0;

  /** Creates a key on replica A through the domain service (which sends no notification). */
  async function createOnA(endpoints = ["payments.get"]) {
    const created = await a.app.services.apps.createApp(a.app.services.actor(ALICE, TEAM), {
      title: `Index test ${++seq}`,
      description: "",
      endpointIds: endpoints,
      environment: "development",
    });
    const c = created.issued!.credential;
    return { app: created.app, credential: c, sharedKey: c.sharedKey, secretKey: created.issued!.secretKey };
  }
  const pair = (k: { sharedKey: string; secretKey: string }) => ({ sharedKey: k.sharedKey, secretKey: k.secretKey });
  const notify = (k: { sharedKey: string; credential: { id: string } }) =>
    publishCredentialChange(a.app.services.db, { sharedKey: k.sharedKey, credentialId: k.credential.id });

  beforeAll(async () => {
    a = await startHarness({ env: ENV, clock, appOptions: { noWorkers: true } });
    b = await startHarness({ db: a.db, standIn: a.standIn, clock, env: ENV, appOptions: { noWorkers: true } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("a key created on replica A verifies on replica B within a second, with the notification", async () => {
    const k = await createOnA();
    await notify(k);
    const ms = await within(
      1000,
      () => post(b, pair(k)),
      (r) => r.body.valid === true,
    );
    expect(ms).toBeLessThan(1000);
  });

  it("a key created on replica A verifies on replica B within a second, without a notification (reconcile)", async () => {
    const k = await createOnA();
    const ms = await within(
      1000,
      () => post(b, pair(k)),
      (r) => r.body.valid === true,
    );
    expect(ms).toBeLessThan(1000);
    expect((await post(b, pair(k))).body).toMatchObject({ valid: true, credentialId: k.credential.id, appId: k.app.publicId });
  });

  it("a revocation and an archived app on A are refused on B within a second, without a notification", async () => {
    const revoked = await createOnA();
    const archived = await createOnA();
    await within(
      1000,
      () => post(b, pair(archived)),
      (r) => r.body.valid === true,
    );
    await a.prisma.credential.update({ where: { id: revoked.credential.id }, data: { status: "REVOKED", revokedAt: clock() } });
    await a.prisma.app.update({ where: { id: archived.app.id }, data: { archivedAt: clock() } });
    for (const k of [revoked, archived]) {
      const ms = await within(
        1000,
        () => post(b, pair(k)),
        (r) => r.body.code === "REVOKED",
      );
      expect(ms).toBeLessThan(1000);
    }
  });

  it("answers NOT_FOUND, REVOKED, ENDPOINT_NOT_ALLOWED and valid with the credential table unreachable", async () => {
    const live = await createOnA(["payments.get"]);
    const revoked = await createOnA();
    await a.prisma.credential.update({ where: { id: revoked.credential.id }, data: { status: "REVOKED", revokedAt: clock() } });
    await notify(revoked);
    await within(
      1000,
      () => post(a, pair(revoked)),
      (r) => r.body.code === "REVOKED",
    );
    await within(
      1000,
      () => post(a, pair(live)),
      (r) => r.body.valid === true,
    );
    const hits = a.app.services.verify.stats.hits;
    await a.app.services.verify.reconcile(); // freshly confirmed: the next second is ours
    await a.prisma.$executeRawUnsafe(`ALTER TABLE "credential" RENAME TO "credential_away"`);
    try {
      const unknown = Array.from({ length: 20 }, () => generateKeyPair("development"));
      const replies = await Promise.all([
        ...unknown.map((k) => post(a, k)),
        post(a, pair(revoked)),
        post(a, { ...pair(live), endpoint: "POST /orders" }),
        post(a, { ...pair(live), endpoint: "GET /payments/7" }),
        post(a, { sharedKey: live.sharedKey, secretKey: unknown[0]!.secretKey }),
      ]);
      // Proof the table was really out of reach meanwhile.
      await expect(a.prisma.$queryRawUnsafe(`SELECT 1 FROM "credential" LIMIT 1`)).rejects.toThrow();
      const bodies = replies.map((r) => r.body);
      expect(bodies.slice(0, 20)).toEqual(unknown.map(() => ({ valid: false, code: "NOT_FOUND" })));
      expect(bodies.slice(20)).toEqual([
        { valid: false, code: "REVOKED" },
        { valid: false, code: "ENDPOINT_NOT_ALLOWED" },
        expect.objectContaining({ valid: true, endpoint: "payments.get" }),
        { valid: false, code: "NOT_FOUND" },
      ]);
      expect(a.app.services.verify.stats.hits).toBe(hits + 24);
    } finally {
      await a.prisma.$executeRawUnsafe(`ALTER TABLE "credential_away" RENAME TO "credential"`);
    }
    await within(
      5000,
      () => post(a, pair(live)),
      (r) => r.status === 200,
    );
  });

  it("answers 503 with Retry-After on a replica whose index is not loaded yet, then verdicts", async () => {
    const k = await createOnA();
    await a.prisma.$executeRawUnsafe(`ALTER TABLE "credential" RENAME TO "credential_away"`);
    let c: Harness | undefined;
    try {
      // Its first load fails while the table is away: it starts anyway, without an index.
      c = await startHarness({ db: a.db, standIn: a.standIn, clock, env: ENV, appOptions: { noWorkers: true } });
      expect(c.app.services.verify.ready).toBe(false);
      const r = await post(c, pair(k));
      expect(r.status).toBe(503);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(r.body).toEqual({
        error: "verification is starting: the credential index is still loading; deny the call and retry",
        retryAfter: Number(r.headers.get("retry-after")),
      });
      expect((await post(c, { sharedKey: "ak_dev_x", secretKey: "sk_dev_y" })).body).toEqual({ valid: false, code: "MALFORMED" });
      expect(c.logs.join("")).toMatch(/could not load credentials; answering 503/);
    } finally {
      await a.prisma.$executeRawUnsafe(`ALTER TABLE "credential_away" RENAME TO "credential"`);
    }
    try {
      await vi.waitFor(() => expect(c!.app.services.verify.ready).toBe(true), { timeout: 5000, interval: 20 });
      expect((await post(c, pair(k))).body).toMatchObject({ valid: true, credentialId: k.credential.id });
    } finally {
      await c?.close();
    }
  });
});
