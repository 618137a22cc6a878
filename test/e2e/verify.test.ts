import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020Module from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateKeyPair, hashSecret, secretLast4 } from "../../src/features/credentials/key-format.js";
import { publishCredentialChange } from "../../src/features/credentials/notify.js";
import { flushLastUsed } from "../../src/features/verify/last-used.worker.js";
import { createAppViaSlack } from "../support/flows.js";
import { startHarness, testClock, TEAM, type Harness } from "../support/harness.js";

const TOKEN = "gateway-token-0123456789abcdef";
const TOKEN2 = "second-gateway-token-fedcba9876";
const ALICE = "UALICE01";
const ENV = { VERIFY_TOKENS: `${TOKEN}, ${TOKEN2}` };

type Json = any;
interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

/** Every answer seen, to check against the OpenAPI document's schemas at the end. */
const seen: { status: number; body: Json }[] = [];

async function post(
  h: Pick<Harness, "url">,
  body: unknown,
  opts: { token?: string | null; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${h.url}/v1/keys/verify`, { method: "POST", headers, body: opts.raw ?? JSON.stringify(body) });
  const text = await res.text();
  let parsed: Json = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  seen.push({ status: res.status, body: parsed });
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A well-formed shared key (valid checksum) that was never issued. */
function unknownSharedKey(): string {
  return generateKeyPair("development").sharedKey;
}

/** The request body for a key pair, plus extra fields. */
function body(k: { sharedKey: string; secretKey: string }, extra: Record<string, unknown> = {}) {
  return { sharedKey: k.sharedKey, secretKey: k.secretKey, ...extra };
}

/** Flip one checksum character: same shape, wrong checksum. */
function breakChecksum(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + (last === "A" ? "B" : "A");
}

/** Asks until `ok` holds (vi.waitFor), and how long that took. */
async function waitUntil<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await vi.waitFor(
    async () => {
      const v = await fn();
      if (!ok(v)) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(v)}`);
      return v;
    },
    { timeout: timeoutMs, interval: 10 },
  );
  return { value, ms: performance.now() - started };
}

/** Running app instances: a new key is usable once each of them has it in its index. */
const replicas = new Set<Harness>();

describe("POST /v1/keys/verify", () => {
  const clock = testClock();
  let h: Harness;
  let seq = 0;

  /** An app with its first key, created through the domain service (which returns the secret). */
  async function newKey(p: { endpoints?: string[]; environment?: "development" | "staging" | "production" } = {}) {
    const created = await h.app.services.apps.createApp(h.app.services.actor(ALICE, TEAM), {
      title: `Gateway test ${++seq}`,
      description: "",
      endpointIds: p.endpoints ?? ["payments.get", "payments.list"],
      environment: p.environment ?? "development",
    });
    const issued = created.issued!;
    const k = { app: created.app, credential: issued.credential, sharedKey: issued.credential.sharedKey, secretKey: issued.secretKey };
    // Created without a notification (as a Slack flow would send): every replica's index has it
    // within a second through its reconcile rounds. (verify-index.test.ts times that.)
    for (const r of replicas) {
      await vi.waitFor(() => expect(r.app.services.verify.indexed(k.sharedKey)).toBe(true), { timeout: 1000, interval: 10 });
    }
    return k;
  }

  /** Revokes the way CredentialService does: a transaction, then the notification after commit. */
  async function revoke(
    target: Harness,
    k: { credential: { id: string }; sharedKey: string },
    opts: { publish?: boolean; revokeAt?: Date } = {},
  ) {
    await target.prisma.$transaction(async (tx) => {
      await tx.credential.update({
        where: { id: k.credential.id },
        data: opts.revokeAt
          ? { revokeAt: opts.revokeAt, revokeReason: "routine_rotation" }
          : { status: "REVOKED", revokedAt: clock(), revokedBy: ALICE, revokeReason: "compromised" },
      });
    });
    if (opts.publish !== false)
      await publishCredentialChange(target.app.services.db, { sharedKey: k.sharedKey, credentialId: k.credential.id });
  }

  beforeAll(async () => {
    // Workers off: the test flushes "last used" itself, with the clock it controls.
    h = await startHarness({ env: ENV, clock, appOptions: { noWorkers: true } });
    replicas.add(h);
  });
  afterAll(async () => {
    replicas.clear();
    await h?.close();
  });

  it("answers valid with the app, credential, environment and connected endpoints", async () => {
    const k = await newKey({ endpoints: ["payments.list", "payments.get", "orders.create"], environment: "staging" });
    const r = await post(h, { sharedKey: k.sharedKey, secretKey: k.secretKey });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.body).toEqual({
      valid: true,
      appId: k.app.publicId,
      credentialId: k.credential.id,
      environment: "staging",
      endpoints: ["orders.create", "payments.get", "payments.list"],
    });
    // The second bearer token works too.
    expect((await post(h, { sharedKey: k.sharedKey, secretKey: k.secretKey }, { token: TOKEN2 })).body.valid).toBe(true);
    expect(h.standIn.violations).toEqual([]);
  });

  it("matches endpoints against the catalog's path templates", async () => {
    const k = await newKey({ endpoints: ["payments.get", "payments.list", "payments.refunds.get"] });
    const ids = await h.prisma.endpoint.findMany({ where: { id: { in: ["payments.get", "payments.list", "payments.refunds.get"] } } });
    expect(ids.length, "catalog ids used by this test").toBe(3);
    const check = async (endpoint: string) => (await post(h, { sharedKey: k.sharedKey, secretKey: k.secretKey, endpoint })).body;
    expect(await check("GET /payments/123")).toMatchObject({ valid: true, endpoint: "payments.get" });
    expect(await check("GET /payments/pay_9?expand=customer")).toMatchObject({ valid: true, endpoint: "payments.get" });
    expect(await check("get /payments")).toMatchObject({ valid: true, endpoint: "payments.list" });
    expect(await check("GET /payments/p1/refunds/r2")).toMatchObject({ valid: true, endpoint: "payments.refunds.get" });
    // In the catalog but not connected; a literal beating the template; not in the catalog at all.
    expect(await check("PATCH /payments/123")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    expect(await check("GET /payments/search")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    expect(await check("GET /payments/123/capture")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    expect(await check("DELETE /no/such/thing")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    expect(await check("GET /payments/%2E%2E")).toEqual({ valid: false, code: "ENDPOINT_NOT_ALLOWED" });
    // The endpoint is only looked at once the keys are right.
    expect(
      (await post(h, { sharedKey: k.sharedKey, secretKey: generateKeyPair("development").secretKey, endpoint: "GET /payments/1" })).body,
    ).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("verifies a key created through Slack at once (the creation notification clears a cached miss)", async () => {
    const r = await createAppViaSlack(h, { userId: ALICE, title: "Made in Slack", endpoints: ["payments.get"] });
    expect(r.secret).toBeTruthy();
    const res = await post(h, { sharedKey: r.shared, secretKey: r.secret, endpoint: "GET /payments/42" });
    expect(res.body).toMatchObject({ valid: true, appId: r.app!.publicId, endpoint: "payments.get" });
    expect(h.standIn.violations).toEqual([]);
  });

  it("refuses malformed keys without touching the database", async () => {
    const k = await newKey();
    const other = generateKeyPair("production");
    const malformed: [string, string][] = [
      [breakChecksum(k.sharedKey), k.secretKey],
      [k.sharedKey, breakChecksum(k.secretKey)],
      [k.secretKey, k.sharedKey],
      [k.sharedKey, other.secretKey], // environments differ (dev shared key, prod secret)
      ["", ""],
      ["ak_dev_short", k.secretKey],
      [`${k.sharedKey}x`, k.secretKey],
      ["x".repeat(256), k.secretKey],
    ];
    // With the credential table gone, any lookup would fail: MALFORMED must not need one.
    await h.prisma.$executeRawUnsafe(`ALTER TABLE "credential" RENAME TO "credential_away"`);
    try {
      const replies = await Promise.all(malformed.map(([sharedKey, secretKey]) => post(h, { sharedKey, secretKey })));
      for (const [i, r] of replies.entries()) {
        expect(r.status, `${malformed[i]![0]} / ${malformed[i]![1].slice(0, 8)}`).toBe(200);
        expect(r.body).toEqual({ valid: false, code: "MALFORMED" });
      }
      // Control: the index stops giving verdicts once it cannot confirm it is current (1 s), but
      // MALFORMED needs no index at all.
      const down = await waitUntil(
        () => post(h, { sharedKey: unknownSharedKey(), secretKey: k.secretKey }),
        (r) => r.status === 503,
        5000,
      );
      expect(down.value.body.error).toMatch(/deny the call and retry/);
      expect(down.value.headers.get("retry-after")).toBe("1");
      expect((await post(h, { sharedKey: malformed[0]![0], secretKey: malformed[0]![1] })).body).toEqual({
        valid: false,
        code: "MALFORMED",
      });
    } finally {
      await h.prisma.$executeRawUnsafe(`ALTER TABLE "credential_away" RENAME TO "credential"`);
    }
    await waitUntil(
      () => post(h, body(k)),
      (r) => r.status === 200,
      5000,
    );
    expect(h.logs.join("")).not.toContain(k.secretKey);
  });

  it("answers NOT_FOUND for unknown shared keys and wrong secrets", async () => {
    const k = await newKey();
    expect((await post(h, { sharedKey: unknownSharedKey(), secretKey: k.secretKey })).body).toEqual({ valid: false, code: "NOT_FOUND" });
    expect((await post(h, { sharedKey: k.sharedKey, secretKey: generateKeyPair("development").secretKey })).body).toEqual({
      valid: false,
      code: "NOT_FOUND",
    });
    // A cached miss is cleared by the notification that announces the credential.
    const ghost = generateKeyPair("development");
    expect((await post(h, body(ghost))).body).toEqual({ valid: false, code: "NOT_FOUND" });
    await h.prisma.credential.create({
      data: {
        id: "cred_GhostGhost0001",
        appId: k.app.id,
        environment: "development",
        sharedKey: ghost.sharedKey,
        secretHash: hashSecret(ghost.secretKey),
        secretLast4: secretLast4(ghost.secretKey),
        createdBy: ALICE,
        createdAt: clock(),
      },
    });
    await publishCredentialChange(h.app.services.db, { sharedKey: ghost.sharedKey, credentialId: "cred_GhostGhost0001" });
    // PostgreSQL delivers the notification asynchronously (PGlite at once): within a second either way.
    const found = await waitUntil(
      () => post(h, body(ghost)),
      (r) => r.body.valid === true,
      1000,
    );
    expect(found.value.body).toMatchObject({ valid: true, credentialId: "cred_GhostGhost0001" });
  });

  it("answers REVOKED for revoked keys, but NOT_FOUND when the secret is wrong too", async () => {
    const k = await newKey();
    expect((await post(h, body(k))).body.valid).toBe(true);
    await revoke(h, k);
    const seenAt = await waitUntil(
      () => post(h, body(k)),
      (r) => r.body.valid === false,
      1000,
    );
    expect(seenAt.value.body).toEqual({ valid: false, code: "REVOKED" });
    expect((await post(h, { sharedKey: k.sharedKey, secretKey: generateKeyPair("development").secretKey })).body).toEqual({
      valid: false,
      code: "NOT_FOUND",
    });
    // Revocation wins over an endpoint check.
    expect((await post(h, body(k, { endpoint: "GET /payments/1" }))).body).toEqual({ valid: false, code: "REVOKED" });
  });

  it("keeps a key valid through its grace period and refuses it from revokeAt on, before the scheduler runs", async () => {
    const k = await newKey();
    const revokeAt = new Date(clock().getTime() + 3_600_000);
    await revoke(h, k, { revokeAt });
    expect((await post(h, body(k))).body.valid).toBe(true);
    clock.set(new Date(revokeAt.getTime() - 1));
    expect((await post(h, body(k))).body.valid).toBe(true);
    clock.set(revokeAt);
    expect((await post(h, body(k))).body).toEqual({ valid: false, code: "REVOKED" });
    expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: k.credential.id } })).status).toBe("ACTIVE");
  });

  it("answers an app archived meanwhile with REVOKED", async () => {
    const k = await newKey();
    expect((await post(h, body(k))).body.valid).toBe(true);
    await h.prisma.app.update({ where: { id: k.app.id }, data: { archivedAt: clock() } });
    await publishCredentialChange(h.app.services.db, { sharedKey: k.sharedKey, credentialId: k.credential.id });
    const seenAt = await waitUntil(
      () => post(h, body(k)),
      (r) => r.body.valid === false,
      1000,
    );
    expect(seenAt.value.body).toEqual({ valid: false, code: "REVOKED" });
  });

  it("rejects bad bodies with 400 and zod's message, and oversized ones with 413", async () => {
    const k = await newKey();
    const bad = await post(h, null, { raw: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: "request body is not valid JSON" });
    // The parser's message quotes the input: it must not come back (or reach a log).
    const quoted = await post(h, null, { raw: `{"sharedKey":"${k.sharedKey}","secretKey":"${k.secretKey}"` });
    expect(quoted.status).toBe(400);
    expect(JSON.stringify(quoted.body)).not.toContain(k.secretKey.slice(3, 20));
    expect((await post(h, null, { raw: "" })).status).toBe(400);

    const missing = await post(h, { sharedKey: k.sharedKey });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("secretKey: Invalid input: expected string, received undefined");
    expect(missing.body.issues).toEqual([{ path: "secretKey", message: "Invalid input: expected string, received undefined" }]);
    const types = await post(h, { sharedKey: 42, secretKey: ["x"], endpoint: true });
    expect(types.status).toBe(400);
    expect(types.body.issues.map((i: Json) => i.path).sort()).toEqual(["endpoint", "secretKey", "sharedKey"]);
    expect((await post(h, [k.sharedKey, k.secretKey])).body.error).toMatch(/^body: Invalid input: expected object, received array/);
    const endpoint = await post(h, body(k, { endpoint: "/payments/1" }));
    expect(endpoint.status).toBe(400);
    expect(endpoint.body.error).toBe('endpoint: must be "METHOD /path", e.g. "GET /payments/123"');
    expect((await post(h, body(k, { endpoint: "GET /a b" }))).status).toBe(400);
    expect((await post(h, { sharedKey: "a".repeat(257), secretKey: k.secretKey })).body.error).toMatch(/^sharedKey: Too big/);

    const big = await post(h, null, { raw: JSON.stringify(body(k, { pad: "x".repeat(9000) })) });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/larger than 8192 bytes/);
    // Streamed without a length: the limit still holds.
    const chunked = await fetch(`${h.url}/v1/keys/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("x".repeat(1000)));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The server is fine afterwards.
    expect((await post(h, body(k))).body.valid).toBe(true);
  });

  it("requires one of the bearer tokens (401 otherwise)", async () => {
    const k = await newKey();
    for (const [token, headers] of [
      [null, {}],
      ["wrong-token-0123456789abcdef", {}],
      [`${TOKEN}x`, {}],
      [TOKEN.slice(0, -1), {}],
      [null, { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}` }],
      [null, { authorization: TOKEN }],
      [null, { authorization: `Bearer ${TOKEN} extra` }],
    ] as [string | null, Record<string, string>][]) {
      const r = await post(h, body(k), { token, headers });
      expect(r.status, JSON.stringify([token, headers])).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Bearer realm="appkeys"');
      expect(r.body.error).toMatch(/bearer token/);
    }
    expect((await post(h, body(k), { token: null, headers: { authorization: `bearer   ${TOKEN}` } })).status).toBe(200);
  });

  it("routes by exact path and method, query strings aside, and leaves the rest to Bolt", async () => {
    const k = await newKey();
    const withQuery = await fetch(`${h.url}/v1/keys/verify?trace=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body(k)),
    });
    expect(await withQuery.json()).toMatchObject({ valid: true });
    expect((await fetch(`${h.url}/v1/keys/verify`)).status).toBe(404);
    expect((await fetch(`${h.url}/v1/keys/verify/extra`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const slack = await h.slack.command("help", { userId: ALICE });
    expect(slack.status).toBe(200);
  });

  it("throttles repeated wrong secrets with 429 + Retry-After while the right secret keeps working", async () => {
    const k = await newKey();
    const bystander = await newKey();
    const wrong = () => post(h, { sharedKey: k.sharedKey, secretKey: generateKeyPair("development").secretKey });
    for (let i = 0; i < 10; i++) expect((await wrong()).body).toEqual({ valid: false, code: "NOT_FOUND" });
    const limited = await wrong();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.body).toEqual({ error: "too many failed attempts for this shared key", retryAfter: 60 });
    expect(h.logs.join("")).toMatch(/repeated wrong secrets for a shared key/);

    // The owner is not locked out, and other keys are not affected.
    const owner = await post(h, body(k, { endpoint: "GET /payments/7" }));
    expect(owner.status).toBe(200);
    expect(owner.body).toMatchObject({ valid: true, credentialId: k.credential.id });
    expect((await post(h, body(bystander))).body.valid).toBe(true);
    expect((await post(h, { sharedKey: bystander.sharedKey, secretKey: k.secretKey })).body.code).toBe("NOT_FOUND");

    // The window slides: 30 s later still throttled, with a shorter wait.
    clock.advance(30_000);
    const later = await wrong();
    expect(later.status).toBe(429);
    expect(Number(later.headers.get("retry-after"))).toBeLessThanOrEqual(30);
    // Once fewer than 10 failures are left in the last minute, wrong secrets are answered again.
    clock.advance(31_000);
    expect((await wrong()).body).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("records last use at most once a minute per credential, in one batched write", async () => {
    const a = await newKey();
    const b = await newKey();
    const c = await newKey();
    await revoke(h, c);
    const s = h.app.services;
    await flushLastUsed(s); // whatever earlier tests used
    const t0 = clock();
    await post(h, body(a));
    await post(h, body(a));
    await post(h, body(b));
    await post(h, body(c)); // REVOKED: not a use
    await post(h, { sharedKey: a.sharedKey, secretKey: c.secretKey }); // wrong secret: not a use
    expect(await flushLastUsed(s)).toBe(2);
    const read = async (k: { credential: { id: string } }) =>
      (await h.prisma.credential.findUniqueOrThrow({ where: { id: k.credential.id } })).lastUsedAt;
    expect(await read(a)).toEqual(t0);
    expect(await read(b)).toEqual(t0);
    expect(await read(c)).toBeNull();
    expect(await flushLastUsed(s)).toBe(0); // nothing used since

    clock.advance(30_000);
    await post(h, body(a));
    expect(await flushLastUsed(s)).toBe(0);
    expect(await read(a)).toEqual(t0);

    clock.advance(31_000);
    await post(h, body(a));
    expect(await flushLastUsed(s)).toBe(1);
    expect(await read(a)).toEqual(clock());
    expect(await read(b)).toEqual(t0);

    // Shown in the app details.
    const n = h.standIn.calls.length;
    await h.slack.command(`show ${a.app.publicId}`, { userId: ALICE });
    await h.standIn.waitFor((calls) => calls.slice(n).some((x) => x.method === "response_url"));
    const shown = JSON.stringify(h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args);
    expect(shown).toContain("Last used");
    expect(h.standIn.violations).toEqual([]);
  });

  describe("with more app instances on the same database", () => {
    let b: Harness;
    beforeAll(async () => {
      b = await startHarness({ db: h.db, standIn: h.standIn, clock, env: ENV });
      replicas.add(b);
    });
    afterAll(async () => {
      replicas.delete(b);
      await b?.close();
    });

    it("refuses a key revoked on another instance within a second", async () => {
      const k = await newKey();
      expect((await post(b, body(k))).body.valid).toBe(true); // cached on b
      expect((await post(b, body(k))).body.valid).toBe(true);
      await revoke(h, k);
      const seenAt = await waitUntil(
        () => post(b, body(k)),
        (r) => r.body.code === "REVOKED",
        1000,
      );
      expect(seenAt.ms).toBeLessThan(1000);
    });

    it("refuses it within a second even when the notification is lost", async () => {
      const k = await newKey();
      expect((await post(b, body(k))).body.valid).toBe(true);
      const hitsBefore = b.app.services.verify.stats.hits;
      expect((await post(b, body(k))).body.valid).toBe(true);
      expect(b.app.services.verify.stats.hits).toBe(hitsBefore + 1); // it is cached
      await revoke(h, k, { publish: false });
      const seenAt = await waitUntil(
        () => post(b, body(k)),
        (r) => r.body.code === "REVOKED",
        1000,
      );
      expect(seenAt.ms).toBeLessThan(1000);
    });

    it("writes last use when an instance stops", async () => {
      const k = await newKey();
      const extra = await startHarness({ db: h.db, standIn: h.standIn, clock, env: ENV });
      try {
        expect((await post(extra, body(k))).body.valid).toBe(true);
      } finally {
        await extra.close();
      }
      expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: k.credential.id } })).lastUsedAt).toEqual(clock());
    });

    it("is disabled, with a clear answer and log line, when VERIFY_TOKENS is not set", async () => {
      const k = await newKey();
      const off = await startHarness({ db: h.db, standIn: h.standIn, clock, appOptions: { noWorkers: true } });
      try {
        const r = await post(off, body(k));
        expect(r.status).toBe(503);
        expect(r.body.error).toMatch(/key verification is disabled: set VERIFY_TOKENS/);
        expect(off.logs.join("")).toMatch(/key verification API disabled: set VERIFY_TOKENS/);
        expect((await fetch(`${off.url}/v1/openapi.json`)).status).toBe(200);
      } finally {
        await off.close();
      }
      expect(h.logs.join("")).toMatch(/key verification API enabled/);
    });
  });

  it("serves an OpenAPI 3.1 document that validates and describes every answer given", async () => {
    const res = await fetch(`${h.url}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");

    const resolved = validator.resolveRefs() as Json;
    const op = resolved.paths["/v1/keys/verify"].post;
    const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module }).default ?? Ajv2020Module;
    const ajv = new (Ajv2020 as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({
      strict: false,
      allErrors: true,
    });
    const statuses = new Set(seen.map((x) => x.status));
    for (const status of [200, 400, 401, 413, 429, 503]) expect(statuses, `an answer with status ${status} was seen`).toContain(status);
    const validators = new Map<number, ReturnType<typeof ajv.compile>>();
    for (const { status, body } of seen) {
      const spec = op.responses[String(status)];
      expect(spec, `status ${status} is documented`).toBeDefined();
      let validate = validators.get(status);
      if (!validate) {
        validate = ajv.compile(spec.content["application/json"].schema);
        validators.set(status, validate);
      }
      expect(validate(body), `${status} ${JSON.stringify(body)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // The documented request example is accepted by the handler's schema.
    const example = op.requestBody.content["application/json"].example;
    const r = await post(h, example);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: false, code: "MALFORMED" }); // the doc's example keys are layout-only
  });
});
