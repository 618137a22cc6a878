/**
 * POST /v1/keys/verify under load, against a bare node:http server answering a constant JSON of
 * the same size, both on this machine: autocannon runs in this process, each server in a child
 * process (bench/support/child.ts). 50 connections; PGlite, then PostgreSQL when
 * BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a fresh database, dropped afterwards).
 *
 * Targets (2 cores): verify ≥ 50% of the bare server's requests/s and p99 ≤ 5 ms. With 50
 * connections kept busy, latency is mostly queueing (≈ connections / throughput), so a run at a
 * steady 2000 requests/s shows the latency of a verification itself. The server's CPU time per
 * request is printed too: unlike requests/s, it hardly moves when other work shares the machine.
 *
 * BENCH_DURATION (seconds per run, default 4).
 */
import { cpus, loadavg } from "node:os";
import autocannon, { type Result } from "autocannon";
import { generateKeyPair } from "../src/features/credentials/key-format.js";
import { SlackStandIn } from "../test/support/slack-standin.js";
import { benchDatabases, ms, startChild, table } from "./support/procs.js";

const TOKEN = "bench-verify-token-0123456789";
const CONNECTIONS = 50;
const FIXED_RATE = 2000;

interface AppInfo {
  port: number;
  valid: { sharedKey: string; secretKey: string }[];
  revoked: { sharedKey: string; secretKey: string }[];
  endpointIds: string[];
}

export async function run(): Promise<void> {
  const duration = Number(process.env.BENCH_DURATION ?? 4);
  const load0 = loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
  // Well-formed keys that were never issued: NOT_FOUND, answered from the negative cache.
  const unknown = Array.from({ length: 60 }, () => generateKeyPair("development"));
  const standIn = await SlackStandIn.start({ teamId: "TBENCH" });
  const dbs = await benchDatabases();

  const rows: (string | number)[][] = [["database", "scenario", "req/s", "p50 ms", "p99 ms", "vs bare", "server CPU µs/req", "answers"]];
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
        const headers = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
        const reqs = (bodies: object[]) =>
          bodies.map((b) => ({ method: "POST" as const, path: "/v1/keys/verify", headers, body: JSON.stringify(b) }));
        const validReqs = reqs(valid);
        const invalidReqs = reqs(unknown.flatMap((k, i) => [k, revoked[i % revoked.length]!]));
        const endpointReqs = reqs(
          valid.flatMap((k, i) => [
            { ...k, endpoint: `GET /payments/pay_${i}` },
            { ...k, endpoint: "POST /orders" },
            { ...k, endpoint: `DELETE /orders/${i}/items/1` }, // not connected
          ]),
        );
        type Cpu = { user: number; system: number };
        const cpu = (c: typeof app | typeof bare) => c.request("cpu", (m: { cpu?: Cpu }) => m.cpu);
        /** Warm-up, then a measured run; also the server's CPU time per answered request. */
        const measure = async (
          url: string,
          server: typeof app | typeof bare,
          requests: ReturnType<typeof reqs>,
          extra: Partial<Parameters<typeof autocannon>[0]> = {},
        ) => {
          await autocannon({ url, connections: CONNECTIONS, duration: 1, requests }); // warm-up
          const before = await cpu(server);
          const r = await autocannon({ url, connections: CONNECTIONS, duration, requests, ...extra });
          const after = await cpu(server);
          const us = (after.user - before.user + after.system - before.system) / Math.max(1, r.requests.total);
          return Object.assign(r, { cpuPerRequest: us });
        };
        const bareUrl = `http://127.0.0.1:${bare.info.port}`;
        const appUrl = `http://127.0.0.1:${app.info.port}`;
        const base = await measure(bareUrl, bare, validReqs);
        const add = (scenario: string, r: Result & { cpuPerRequest: number }, ratio = true) =>
          rows.push([
            db.label,
            scenario,
            Math.round(r.requests.average),
            ms(r.latency.p50),
            ms(r.latency.p99),
            ratio ? `${Math.round((100 * r.requests.average) / base.requests.average)}%` : "",
            Math.round(r.cpuPerRequest),
            answers(r),
          ]);
        add("bare node:http", base, false);
        add("verify: valid keys", await measure(appUrl, app, validReqs, { verifyBody: (b) => String(b).includes('"valid":true') }));
        add(
          "verify: unknown + revoked",
          await measure(appUrl, app, invalidReqs, { verifyBody: (b) => String(b).includes('"valid":false') }),
        );
        add("verify: endpoint checks", await measure(appUrl, app, endpointReqs));
        // autocannon's fixed-rate mode over 50 connections shows timer artefacts (p99 > 100 ms for
        // the bare server), so the steady-load latency uses 10 connections.
        const steady = { overallRate: FIXED_RATE, connections: 10 };
        add(`bare, ${FIXED_RATE}/s on 10 conns`, await measure(bareUrl, bare, validReqs, steady), false);
        add(`verify valid, ${FIXED_RATE}/s on 10 conns`, await measure(appUrl, app, validReqs, steady), false);
        const stats = await app.request("stats", (m: { stats?: Record<string, number> }) => m.stats);
        notes.push(`${db.label}: cache hits ${stats.hits}, database reads ${stats.loads}, re-check rounds ${stats.revalidations}`);
      } finally {
        await app.stop();
        await bare.stop();
      }
    }
  } finally {
    for (const db of dbs) await db.cleanup?.().catch(() => undefined);
    await standIn.close();
  }
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
  console.log("targets: verify ≥ 50% of bare req/s, p99 ≤ 5 ms");
}

function answers(r: Result): string {
  const parts = [`${r["2xx"]} 2xx`];
  if (r.non2xx) parts.push(`${r.non2xx} non-2xx`);
  if (r.errors) parts.push(`${r.errors} errors`);
  if (r.mismatches) parts.push(`${r.mismatches} unexpected`);
  return parts.join(", ");
}
