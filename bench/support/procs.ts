/** Helpers shared by the benchmarks: child processes, a fresh PostgreSQL database, tables. */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openDatabase, type Database } from "../../src/platform/db/database.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHILD = path.join(ROOT, "bench/support/child.ts");

export interface Child<T> {
  info: T;
  proc: ChildProcess;
  request<R>(msg: string, pick: (m: any) => R | undefined): Promise<R>;
  stop(): Promise<void>;
}

/** The Node flags `npm start` passes (package.json "start"), or BENCH_NODE_FLAGS to try others. */
export function startFlags(): string[] {
  const script = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const flags = process.env.BENCH_NODE_FLAGS ?? script.replace(/^node\s+/, "").replace(/\s*dist\/main\.js.*$/, "");
  return flags.split(/\s+/).filter(Boolean);
}

/**
 * Forks bench/support/child.ts (through tsx) and waits for its first IPC message. The app child
 * (BENCH_CHILD=appkeys) runs with npm start's Node flags; the bare server with none.
 */
export async function startChild<T>(env: Record<string, string>, timeoutMs = 120_000): Promise<Child<T>> {
  const proc = fork(CHILD, [], {
    cwd: ROOT,
    execArgv: [...(env.BENCH_CHILD === "appkeys" ? startFlags() : []), "--import", "tsx"],
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("benchmark child did not start in time")), timeoutMs);
    proc.once("message", (m) => {
      clearTimeout(timer);
      resolve(m as T);
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`benchmark child exited with ${code}`));
    });
  });
  return {
    info,
    proc,
    request(msg, pick) {
      return new Promise((resolve) => {
        const on = (m: unknown) => {
          const v = pick(m);
          if (v !== undefined) {
            proc.off("message", on);
            resolve(v);
          }
        };
        proc.on("message", on);
        proc.send(msg);
      });
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.send("stop");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The PostgreSQL server to benchmark on, if any (BENCH_DATABASE_URL, else TEST_DATABASE_URL). */
export function benchPostgresUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
}

/** A fresh database on that server, dropped by drop(). */
export async function freshPostgres(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `appkeys_bench_${randomBytes(5).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** A plain text table: first row is the header. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : "-");

export interface BenchDatabase {
  label: string;
  /** Environment that points a child app at this database. */
  env: Record<string, string>;
  cleanup?: () => Promise<void>;
}

/** Embedded PGlite always; a scratch PostgreSQL database too when one is configured. */
export async function benchDatabases(): Promise<BenchDatabase[]> {
  const dbs: BenchDatabase[] = [{ label: "pglite", env: { DATA_DIR: "memory://" } }];
  const pgUrl = benchPostgresUrl();
  if (pgUrl) {
    const fresh = await freshPostgres(pgUrl);
    dbs.push({ label: "postgres", env: { DATABASE_URL: fresh.url }, cleanup: fresh.drop });
  } else {
    console.log("(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it)");
  }
  return dbs;
}

/**
 * Runs an in-process measurement on a new embedded PGlite, then on a scratch PostgreSQL
 * database when one is configured (BENCH_DATABASE_URL or TEST_DATABASE_URL).
 */
export async function onEachDatabase(measure: (db: Database) => Promise<void>): Promise<void> {
  const lite = await openDatabase({ dataDir: "memory://" });
  try {
    await measure(lite);
  } finally {
    await lite.close();
  }
  const adminUrl = benchPostgresUrl();
  if (!adminUrl) return void console.log("postgres: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)");
  const fresh = await freshPostgres(adminUrl);
  const db = await openDatabase({ url: fresh.url, poolMax: 4 });
  try {
    await measure(db);
  } finally {
    await db.close();
    await fresh.drop();
  }
}
