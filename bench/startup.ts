/**
 * `npm run bench -- startup`: spawn → ready and resident memory of AppKeys against a bare Bolt 5
 * HTTP app with one command listener (bench/support/bare-bolt.mjs), all as compiled JavaScript
 * (`node dist/main.js`, built first if stale), in the same run:
 *   - bare Bolt: spawn → /healthz 200 (it is ready when it listens);
 *   - AppKeys on PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL; a migrated database):
 *     spawn → /healthz 200 and → /readyz 200 (database, migrations, catalog, Slack auth.test);
 *   - AppKeys on embedded PGlite with an existing data directory: the same;
 *   - PGlite alone (bench/support/pglite-alone.mjs): the bot's database thread opening that same
 *     directory in a process that loads nothing else, spawn → open. Not a bot: the floor under
 *     the PGlite figure, printed so that what is PGlite's own open and what is AppKeys' can be told apart.
 * Each is started BENCH_STARTS times (default 5), interleaved; the median is reported. Then each
 * gets 1,000 signed Slack requests (`/apps help`) and AppKeys 10,000 verify calls, and its RSS
 * (/proc/<pid>/status VmRSS) is read after start, after the requests and after verify.
 * Targets (issue 10): start ≤ 1.5× bare on PostgreSQL, ≤ 2× on PGlite; RSS ≤ 150 MB / 250 MB.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { SlackClient } from "../test/support/slack-client.js";
import { freePort } from "../test/support/app-process.js";
import { SlackStandIn } from "../test/support/slack-standin.js";
import { ROOT, benchPostgresUrl, freshPostgres, startFlags, table } from "./support/procs.js";

const SECRET = "bench-signing-secret-0123456789";
const VERIFY_TOKEN = "bench-verify-token-0123456789";
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
/** Node flags for the AppKeys runs, as `npm start` passes them, or BENCH_NODE_FLAGS to try others. */
const START_FLAGS = startFlags();

interface Variant {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** The probe that says "ready". */
  readyPath: string;
  appkeys: boolean;
  /** A floor, not a bot: timed beside the others, left out of the memory runs and targets. */
  floor?: boolean;
}

interface Started {
  proc: ChildProcess;
  port: number;
  healthzMs: number;
  readyMs: number;
  out: () => string;
}

async function get(url: string): Promise<number> {
  try {
    const r = await fetch(url);
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

async function start(v: Variant): Promise<Started> {
  const port = await freePort();
  let out = "";
  const t0 = performance.now();
  const proc = spawn(process.execPath, v.args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...v.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += String(d)));
  proc.stderr!.on("data", (d) => (out += String(d)));
  let healthzMs = NaN;
  let readyMs = NaN;
  while (performance.now() - t0 < 120_000) {
    if (proc.exitCode !== null) throw new Error(`${v.name} exited with ${proc.exitCode}:\n${out}`);
    if (Number.isNaN(healthzMs) && (await get(`http://127.0.0.1:${port}/healthz`)) === 200) healthzMs = performance.now() - t0;
    if (!Number.isNaN(healthzMs) && (await get(`http://127.0.0.1:${port}${v.readyPath}`)) === 200) {
      readyMs = performance.now() - t0;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  if (Number.isNaN(readyMs)) {
    proc.kill("SIGKILL");
    throw new Error(`${v.name} not ready in 120 s:\n${out}`);
  }
  return { proc, port, healthzMs, readyMs, out: () => out };
}

async function stop(s: Started): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once("exit", r));
  s.proc.kill("SIGTERM");
  const t = setTimeout(() => s.proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(t);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `n` async jobs, `concurrency` at a time. */
async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

/** Creates one app through Slack (command → two modal steps) and returns its key pair. */
async function createKey(slack: SlackClient, standIn: SlackStandIn): Promise<{ sharedKey: string; secretKey: string }> {
  const n = standIn.callsTo("views.open").length;
  await slack.command("create", { userId: "UBENCH0001" });
  await standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > n);
  const viewId = standIn.callsTo("views.open").at(-1)!.response.view.id as string;
  await slack.submitView(viewId, { title: "Bench app", description: "" }, { userId: "UBENCH0001" });
  const before = standIn.calls.length;
  await slack.submitView(viewId, { endpoints: ["payments.get"], environment: "development" }, { userId: "UBENCH0001" });
  await standIn.waitFor((c) => c.slice(before).some((x) => x.method === "views.update" && /sk_dev_/.test(JSON.stringify(x.args))));
  const text = JSON.stringify(
    standIn.calls.slice(before).find((x) => x.method === "views.update" && /sk_dev_/.test(JSON.stringify(x.args)))!.args,
  );
  return { sharedKey: /ak_dev_[0-9A-Za-z]{30}/.exec(text)![0], secretKey: /sk_dev_[0-9A-Za-z]{38}/.exec(text)![0] };
}

async function load(
  s: Started,
  v: Variant,
  standIn: SlackStandIn,
): Promise<{ afterSlack: number; afterVerify: number | undefined; ms: number }> {
  const slack = new SlackClient({ appUrl: `http://127.0.0.1:${s.port}`, signingSecret: SECRET, standIn });
  const t0 = performance.now();
  await pool(1000, 10, async () => {
    const r = await slack.command("help", { userId: "UBENCH0001" });
    if (r.status !== 200) throw new Error(`slash command answered ${r.status}`);
  });
  const afterSlack = rssMb(s.proc.pid!);
  if (!v.appkeys) return { afterSlack, afterVerify: undefined, ms: performance.now() - t0 };
  const key = await createKey(slack, standIn);
  const bodies = [
    JSON.stringify({ ...key, endpoint: "GET /payments/123" }),
    JSON.stringify({ sharedKey: key.sharedKey, secretKey: `${key.secretKey.slice(0, -1)}x` }),
  ];
  await pool(10_000, 20, async (i) => {
    const r = await fetch(`http://127.0.0.1:${s.port}/v1/keys/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${VERIFY_TOKEN}`, "content-type": "application/json" },
      body: bodies[i % 2],
    });
    await r.arrayBuffer();
    if (r.status !== 200 && r.status !== 429) throw new Error(`verify answered ${r.status}`);
  });
  return { afterSlack, afterVerify: rssMb(s.proc.pid!), ms: performance.now() - t0 };
}

export async function run(): Promise<void> {
  const build = spawnSync(process.execPath, ["scripts/build-if-stale.mjs"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error("build failed");
  const standIn = await SlackStandIn.start({ teamId: "TBENCH" });
  const dataDir = await mkdtemp(path.join(tmpdir(), "appkeys-startup-"));
  const pgUrl = benchPostgresUrl();
  const pgDb = pgUrl ? await freshPostgres(pgUrl) : undefined;
  const common = { SLACK_BOT_TOKEN: "xoxb-bench", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: standIn.url, LOG_LEVEL: "warn" };
  const appkeysEnv = { ...common, VERIFY_TOKENS: VERIFY_TOKEN };
  const variants: Variant[] = [
    { name: "bare Bolt 5", args: ["bench/support/bare-bolt.mjs"], env: common, readyPath: "/healthz", appkeys: false },
    ...(pgDb
      ? [
          {
            name: "AppKeys, PostgreSQL",
            args: [...START_FLAGS, "dist/main.js"],
            env: { ...appkeysEnv, DATABASE_URL: pgDb.url },
            readyPath: "/readyz",
            appkeys: true,
          },
        ]
      : []),
    {
      name: "AppKeys, PGlite (existing dir)",
      args: [...START_FLAGS, "dist/main.js"],
      env: { ...appkeysEnv, DATA_DIR: dataDir },
      readyPath: "/readyz",
      appkeys: true,
    },
    {
      name: "PGlite alone (open only, no bot)",
      args: [...START_FLAGS, "bench/support/pglite-alone.mjs"],
      env: { DATA_DIR: dataDir },
      readyPath: "/readyz",
      appkeys: false,
      floor: true,
    },
  ];
  try {
    // First starts create the PGlite directory and migrate both databases: not timed.
    for (const v of variants.filter((x) => x.appkeys)) await stop(await start(v));
    const times = new Map(variants.map((v) => [v.name, { healthz: [] as number[], ready: [] as number[], rss: [] as number[] }]));
    for (let i = 0; i < STARTS; i++) {
      for (const v of variants) {
        const s = await start(v);
        await new Promise((r) => setTimeout(r, 300));
        const t = times.get(v.name)!;
        t.healthz.push(s.healthzMs);
        t.ready.push(s.readyMs);
        t.rss.push(rssMb(s.proc.pid!));
        await stop(s);
      }
    }
    const bare = median(times.get("bare Bolt 5")!.ready);
    const rows: (string | number)[][] = [["", "→ /healthz ms", "→ ready ms", "× bare", "target", "RSS after start MB"]];
    for (const v of variants) {
      const t = times.get(v.name)!;
      const ready = median(t.ready);
      const target = v.floor ? "" : v.name.includes("PostgreSQL") ? "≤ 1.5×" : v.name.includes("PGlite") ? "≤ 2×" : "";
      rows.push([v.name, median(t.healthz).toFixed(0), ready.toFixed(0), (ready / bare).toFixed(2), target, median(t.rss).toFixed(0)]);
    }
    console.log(`AppKeys runs as: node ${[...START_FLAGS, "dist/main.js"].join(" ")}`);
    console.log(
      `start → ready, median of ${STARTS} interleaved starts each, compiled JS; ${cpus().length} CPU cores shared with other jobs`,
    );
    console.log(table(rows));
    const pglite = variants.find((v) => v.appkeys && v.name.includes("PGlite"))!;
    const floor = variants.find((v) => v.floor)!;
    const [withBot, alone] = [pglite, floor].map((v) => median(times.get(v.name)!.ready));
    console.log(
      `PGlite's open alone: ${alone!.toFixed(0)} ms (${(alone! / bare).toFixed(2)}× bare Bolt); AppKeys on PGlite is ready ${(withBot! - alone!).toFixed(0)} ms after that ` +
        `(the bot's own loading, sharing the cores with the open, then start-up reads and auth.test)`,
    );

    const mem: (string | number)[][] = [
      ["", "RSS after start MB", "after 1,000 Slack requests", "after 10,000 verify calls", "target", "load s"],
    ];
    for (const v of variants.filter((x) => !x.floor)) {
      const s = await start(v);
      try {
        await new Promise((r) => setTimeout(r, 300));
        const idle = rssMb(s.proc.pid!);
        const r = await load(s, v, standIn);
        const target = v.name.includes("PostgreSQL") ? "≤ 150" : v.name.includes("PGlite") ? "≤ 250" : "";
        mem.push([v.name, idle.toFixed(0), r.afterSlack.toFixed(0), r.afterVerify?.toFixed(0) ?? "n/a", target, (r.ms / 1000).toFixed(1)]);
      } finally {
        // A failed load must not leave the server running.
        await stop(s);
      }
    }
    console.log("resident memory (VmRSS) of the server process");
    console.log(table(mem));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await pgDb?.drop();
    await standIn.close();
  }
}
