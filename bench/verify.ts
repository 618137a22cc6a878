/**
 * POST /v1/keys/verify under load, against a bare node:http server answering a constant JSON of
 * the same size, both on this machine: autocannon runs in this process, each server in a child
 * process (bench/support/child.ts). 50 connections; PGlite, then PostgreSQL when
 * BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a fresh database, dropped afterwards).
 *
 * Legs (each verdict is answered from the in-memory credential index):
 * - valid keys, unknown keys (a new random well-formed shared key per request), revoked keys,
 *   endpoint checks; targets: unknown and revoked ≥ 0.8× bare. Each leg runs against the bare
 *   server too, with the same requests from the same generator, just before: req/s on 2 shared
 *   cores depends on what the generator does per request as much as on the server. The CPU time
 *   per request of both servers is printed beside it.
 * - mixed: 45 connections flooding unknown keys while 5 send valid calls, against 45 + 5 valid
 *   calls; targets: the 5 valid connections' p99 within 2× and no valid call over 250 ms.
 * - fixed rate (50% of the bare server's maximum, 12 connections): p99 per verdict type, since
 *   p99 at saturation on 2 shared cores measures the load generator.
 * - PostgreSQL only: the index of 1,000,000 credentials: load time (target ≤ 5 s) and memory
 *   (target ≤ 64 MB), measured in this process (BENCH_INDEX_SIZE to change the count).
 * The server's CPU time per request is printed too: unlike requests/s, it hardly moves when
 * other work shares the machine. BENCH_DURATION (seconds per run, default 4); BENCH_ONLY_INDEX=1 runs
 * only the index at scale, BENCH_ONLY_VERDICTS=1 only the in-process cost of each verdict.
 */
import { createHmac } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import autocannon, { type Options, type Result } from "autocannon";
import { keyChecksum, randomBase62, generateKeyPair, hashSecret } from "../src/features/credentials/key-format.js";
import { openDatabase } from "../src/platform/db/database.js";
import { type CredentialRecord, type CredentialStore, VerifyService, sqlCredentialStore } from "../src/features/verify/service.js";
import { SlackStandIn } from "../test/support/slack-standin.js";
import { benchDatabases, benchPostgresUrl, freshPostgres, ms, startChild, table } from "./support/procs.js";

const TOKEN = "bench-verify-token-0123456789";
const CONNECTIONS = 50;
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
type Pair = { sharedKey: string; secretKey: string };
interface AppInfo {
  port: number;
  valid: Pair[];
  revoked: Pair[];
}
type Req = { method: "POST"; path: string; headers: Record<string, string>; body?: string; setupRequest?: (r: any) => any };
type Measured = Result & { cpuPerRequest: number };

const reqs = (bodies: object[]): Req[] =>
  bodies.map((b) => ({ method: "POST", path: "/v1/keys/verify", headers: HEADERS, body: JSON.stringify(b) }));

/** Well-formed shared keys never issued, each used once (the pool is larger than any run needs). */
function unknownKeys(n: number): { next(): string } {
  const secret = generateKeyPair("development").secretKey;
  const bodies = Array.from({ length: n }, () => {
    const unchecked = `ak_dev_${randomBase62(24)}`;
    return JSON.stringify({ sharedKey: unchecked + keyChecksum(unchecked), secretKey: secret });
  });
  let i = 0;
  return { next: () => bodies[i++ % n]! };
}

export async function run(): Promise<void> {
  if (process.env.BENCH_ONLY_INDEX) return void console.log(await indexAtScale(Number(process.env.BENCH_INDEX_SIZE ?? 1_000_000)));
  if (process.env.BENCH_ONLY_VERDICTS) return void console.log(await verdictCosts());
  const duration = Number(process.env.BENCH_DURATION ?? 4);
  const load0 = loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
  const unknown = unknownKeys(600_000);
  const unknownReq: Req[] = [
    {
      method: "POST",
      path: "/v1/keys/verify",
      headers: HEADERS,
      setupRequest: (r) => {
        // Mutated, not copied: the load generator shares the 2 cores with the server.
        r.body = unknown.next();
        return r;
      },
    },
  ];
  const standIn = await SlackStandIn.start({ teamId: "TBENCH" });
  const dbs = await benchDatabases();

  const rows: (string | number)[][] = [
    ["database", "scenario", "req/s", "bare req/s", "vs bare", "p50 ms", "p99 ms", "max ms", "CPU µs/req", "bare CPU µs/req", "answers"],
  ];
  const notes: string[] = [];
  try {
    for (const db of dbs) {
      const bare = await startChild<{ port: number }>({ BENCH_CHILD: "bare" });
      const app = await startChild<AppInfo>({
        BENCH_CHILD: "appkeys",
        SLACK_BOT_TOKEN: "xoxb-bench",
        SLACK_SIGNING_SECRET: "bench-signing-secret-0123456789",
        SLACK_API_URL: standIn.url,
        VERIFY_TOKENS: TOKEN,
        BENCH_KEYS: "60",
        ...db.env,
      });
      try {
        const { valid, revoked } = app.info;
        const validReqs = reqs(valid);
        const revokedReqs = reqs(revoked);
        const endpointReqs = reqs(
          valid.flatMap((k, i) => [
            { ...k, endpoint: `GET /payments/pay_${i}` },
            { ...k, endpoint: "POST /orders" },
          ]),
        );
        const notAllowedReqs = reqs(valid.map((k, i) => ({ ...k, endpoint: `DELETE /orders/${i}/items/1` })));
        type Cpu = { user: number; system: number };
        const cpu = (c: typeof app | typeof bare) => c.request("cpu", (m: { cpu?: Cpu }) => m.cpu);
        const bareUrl = `http://127.0.0.1:${bare.info.port}`;
        const appUrl = `http://127.0.0.1:${app.info.port}`;
        /** Warm-up, then a measured run; also the server's CPU time per answered request. */
        const measure = async (url: string, server: typeof app | typeof bare, requests: Req[], extra: Partial<Options> = {}) => {
          await autocannon({ url, connections: CONNECTIONS, duration: 1, requests });
          const before = await cpu(server);
          const r = await autocannon({ url, connections: CONNECTIONS, duration, requests, ...extra });
          const after = await cpu(server);
          const us = (after.user - before.user + after.system - before.system) / Math.max(1, r.requests.total);
          return Object.assign(r, { cpuPerRequest: us });
        };
        const add = (scenario: string, r: Result & { cpuPerRequest?: number }, bare?: Measured) =>
          rows.push([
            db.label,
            scenario,
            Math.round(r.requests.average),
            bare ? Math.round(bare.requests.average) : "",
            bare ? `${((r.requests.average / bare.requests.average) * 100).toFixed(0)}%` : "",
            ms(r.latency.p50),
            ms(r.latency.p99),
            ms(r.latency.max),
            r.cpuPerRequest === undefined ? "" : r.cpuPerRequest.toFixed(1),
            bare ? bare.cpuPerRequest.toFixed(1) : "",
            answers(r),
          ]);
        /**
         * One leg: the bare server first, sent the very same requests by the same load generator
         * (a request built per call, as for unknown keys, costs the generator more than a fixed
         * one: both servers see that load), then verify.
         */
        const leg = async (scenario: string, requests: Req[], expect: string) => {
          const b = await measure(bareUrl, bare, requests);
          add(scenario, await measure(appUrl, app, requests, body(expect)), b);
          return b;
        };
        const body = (s: string) => ({ verifyBody: (b: string | Buffer | undefined) => String(b).includes(s) });
        const base = await leg("valid keys", validReqs, '"valid":true');
        await leg("unknown keys (new key per request)", unknownReq, '"NOT_FOUND"');
        await leg("revoked keys", revokedReqs, '"REVOKED"');
        await leg("endpoint checks (allowed)", endpointReqs, '"valid":true');

        // Mixed: the 5 valid connections, first beside 45 valid ones, then beside an unknown-key flood.
        for (const [label, flood] of [
          ["45 valid", validReqs],
          ["45 unknown-key flood", unknownReq],
        ] as const) {
          await autocannon({ url: appUrl, connections: CONNECTIONS, duration: 1, requests: flood });
          const [f, v] = await Promise.all([
            autocannon({ url: appUrl, connections: 45, duration, requests: flood }),
            autocannon({ url: appUrl, connections: 5, duration, requests: validReqs, ...body('"valid":true') }),
          ]);
          add(`mixed: ${label} (the 45)`, f);
          add(`mixed: 5 valid beside ${label}`, v);
        }

        // Fixed rate, half the bare maximum, spread over the verdict types (3 connections each).
        const rate = Math.round(base.requests.average / 2);
        const types: [string, Req[]][] = [
          ["valid", validReqs],
          ["NOT_FOUND (unknown)", unknownReq],
          ["REVOKED", revokedReqs],
          ["ENDPOINT_NOT_ALLOWED", notAllowedReqs],
        ];
        for (const [target, url] of [
          ["bare", bareUrl],
          ["verify", appUrl],
        ] as const) {
          const each = Math.round(rate / types.length);
          const results = await Promise.all(
            types.map(([, requests]) => autocannon({ url, connections: 3, duration, overallRate: each, requests })),
          );
          for (const [i, [type]] of types.entries()) add(`${rate}/s fixed: ${target}, ${type}`, results[i]!);
        }
        const stats = await app.request("stats", (m: { stats?: Record<string, unknown> }) => m.stats);
        notes.push(
          `${db.label}: verdicts from the index ${stats.hits}, reconcile rounds ${stats.reconciles}, refused ${JSON.stringify(stats.refused)}`,
        );
      } finally {
        await app.stop();
        await bare.stop();
      }
    }
  } finally {
    for (const db of dbs) await db.cleanup?.().catch(() => undefined);
    await standIn.close();
  }
  const index = await indexAtScale(Number(process.env.BENCH_INDEX_SIZE ?? 1_000_000));
  notes.push(await verdictCosts());
  console.log(
    `${CONNECTIONS} connections, ${duration} s per run after a 1 s warm-up; latency in whole milliseconds (autocannon's resolution)`,
  );
  console.log(
    `load average before/after: ${load0} / ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} on ${cpus().length} cores (other work on the machine skews req/s and latency; CPU µs per request much less)`,
  );
  console.log(table(rows));
  for (const n of notes) console.log(n);
  if (index) console.log(index);
  console.log(
    "targets: unknown and revoked ≥ 80% of bare; 5 valid beside the flood: p99 ≤ 2× beside 45 valid, max ≤ 250 ms; " +
      "index of 1,000,000: load ≤ 5 s, ≤ 64 MB",
  );
}

/**
 * What each verdict costs in itself, in this process (no HTTP): JSON.parse of a request body
 * plus VerifyService.verifyNow, per verdict type, against an index of 60 credentials; and the
 * HMAC-SHA256 of a secret through node:crypto alone, which valid and revoked answers include
 * (a wrong secret must never tell a guesser the key's state, so the secret is checked first).
 * Set beside the bare server's CPU per request above: the ≥ 0.8× targets leave verify about a
 * fifth of a bare request for everything it does.
 */
async function verdictCosts(): Promise<string> {
  const pepper = "bench-pepper-0123456789abcdef";
  const records: CredentialRecord[] = [];
  const byVerdict: Record<"unknown" | "revoked" | "valid", string[]> = { unknown: [], revoked: [], valid: [] };
  for (let i = 0; i < 60; i++) {
    const k = generateKeyPair("development");
    const revoked = i % 5 === 4;
    records.push({
      sharedKey: k.sharedKey,
      credentialId: `cred_${String(i).padStart(14, "0")}`,
      appPublicId: "app_BENCH0000001",
      environment: "development",
      secretHash: hashSecret(k.secretKey, pepper),
      status: revoked ? "REVOKED" : "ACTIVE",
      revokeAtMs: null,
      appArchived: false,
      endpoints: "",
    });
    byVerdict[revoked ? "revoked" : "valid"].push(JSON.stringify(k));
    const unchecked = `ak_dev_${randomBase62(24)}`;
    byVerdict.unknown.push(JSON.stringify({ sharedKey: unchecked + keyChecksum(unchecked), secretKey: k.secretKey }));
  }
  const store: CredentialStore = {
    snapshot: async () => "1:1:",
    count: async () => records.length,
    scan: async (_size, onPage) => {
      await onPage(records);
      return "1:1:";
    },
    changedSince: async () => [],
    findMany: async () => [],
  };
  // The index is never stale here: the loop that confirms it cannot run during a timed loop.
  const svc = new VerifyService({
    store,
    clock: () => new Date(),
    pepper,
    maxStaleMs: Number.MAX_SAFE_INTEGER,
    endpoints: { all: () => [], get: () => undefined },
  });
  await svc.verify(JSON.parse(byVerdict.valid[0]!), "bench");
  const N = 200_000;
  const time = (fn: (i: number) => unknown) => {
    for (let i = 0; i < N / 4; i++) fn(i);
    const t = performance.now();
    for (let i = 0; i < N; i++) fn(i);
    return ((performance.now() - t) * 1000) / N;
  };
  const costs = Object.entries(byVerdict).map(([verdict, bodies]) => {
    const us = time((i) => svc.verifyNow(JSON.parse(bodies[i % bodies.length]!), "bench"));
    return `${verdict} ${us.toFixed(2)} µs`;
  });
  const secret = generateKeyPair("development").secretKey;
  const hmac = time(() => createHmac("sha256", pepper).update(secret, "utf8").digest());
  await svc.stop();
  return `verdict CPU in process (JSON.parse + verifyNow): ${costs.join(", ")}; of which HMAC-SHA256 of the secret (node:crypto) ${hmac.toFixed(2)} µs`;
}

/** Loads an index of n credentials from a fresh PostgreSQL database; its time and memory. */
async function indexAtScale(n: number): Promise<string | null> {
  const url = benchPostgresUrl();
  if (!url) return "(index at scale skipped: it needs PostgreSQL, set BENCH_DATABASE_URL or TEST_DATABASE_URL)";
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const fresh = await freshPostgres(url);
  const db = await openDatabase({ url: fresh.url });
  try {
    const seedStart = performance.now();
    await db.withConnection(async (sql) => {
      await sql.exec(`
        INSERT INTO endpoint (id, api, method, path, "updatedAt") VALUES
          ('bench.a', 'Bench', 'GET', '/a', now()), ('bench.b', 'Bench', 'GET', '/b', now()), ('bench.c', 'Bench', 'POST', '/c', now());
        INSERT INTO app (id, "publicId", "teamId", title, "titleKey", "ownerId", "updatedAt")
          SELECT 'a' || g, 'app_' || lpad(g::text, 12, '0'), 'TBENCH', 'Bench ' || g, 'bench ' || g, 'UBENCH', now()
          FROM generate_series(1, ${Math.ceil(n / 4)}) g;
        INSERT INTO app_endpoint ("appId", "endpointId")
          SELECT 'a' || g, e FROM generate_series(1, ${Math.ceil(n / 4)}) g, (VALUES ('bench.a'), ('bench.b')) v(e) WHERE g % 3 <> 0
          UNION ALL SELECT 'a' || g, 'bench.c' FROM generate_series(1, ${Math.ceil(n / 4)}) g WHERE g % 2 = 0;
        INSERT INTO credential (id, "appId", environment, "sharedKey", "secretHash", "secretLast4", "createdBy", status)
          SELECT 'cred_' || lpad(g::text, 14, '0'), 'a' || ((g - 1) / 4 + 1), 'development',
                 'ak_dev_' || substr(md5(g::text) || md5('x' || g), 1, 30), 'sha256:' || encode(sha256(g::text::bytea), 'hex'),
                 'abcd', 'UBENCH', (CASE WHEN g % 10 = 0 THEN 'REVOKED' ELSE 'ACTIVE' END)::"CredentialStatus"
          FROM generate_series(1, ${n}) g;
        ANALYZE;`);
      // A settled table, as a replica finds it at start (not one whose hint bits are still unset).
      await sql.exec("VACUUM credential, app, app_endpoint");
    });
    const seedMs = performance.now() - seedStart;
    const endpoints = { all: () => [], get: () => undefined };
    const svc = new VerifyService({ store: sqlCredentialStore(db), clock: () => new Date(), endpoints });
    gc();
    const m0 = process.memoryUsage();
    const t0 = performance.now();
    await svc.reload();
    const loadMs = performance.now() - t0;
    gc();
    const m1 = process.memoryUsage();
    const mb = (b: number) => (b / 1e6).toFixed(1);
    const heap = m1.heapUsed - m0.heapUsed;
    const buffers = m1.arrayBuffers - m0.arrayBuffers;
    const s = svc.stats;
    return [
      `index of ${s.indexed.toLocaleString("en")} credentials on PostgreSQL (seeded in ${(seedMs / 1000).toFixed(1)} s):`,
      `  load ${(loadMs / 1000).toFixed(2)} s; memory after GC: V8 heap +${mb(heap)} MB, array buffers +${mb(buffers)} MB,`,
      `  total +${mb(heap + buffers)} MB (${((heap + buffers) / s.indexed).toFixed(1)} bytes per credential; the index counts ${mb(s.indexBytes)} MB)`,
    ].join("\n");
  } finally {
    await db.close();
    await fresh.drop();
  }
}

function answers(r: Result): string {
  const parts = [`${r["2xx"]} 2xx`];
  if (r.non2xx) parts.push(`${r.non2xx} non-2xx`);
  if (r.errors) parts.push(`${r.errors} errors`);
  if (r.mismatches) parts.push(`${r.mismatches} unexpected`);
  return parts.join(", ");
}
