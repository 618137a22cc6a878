/**
 * Cold start with the embedded database: `node --import tsx src/main.ts` (what `npm start`
 * runs) from spawn until GET /healthz answers 200. First on a new data directory (PGlite initdb
 * and migrations), then restarts on the same directory.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../test/support/app-process.js";
import { SlackStandIn } from "../test/support/slack-standin.js";
import { ROOT, ms, table } from "./support/procs.js";

async function startOnce(env: Record<string, string>): Promise<{ listening: number; ready: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let listening = NaN;
  let out = "";
  proc.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (Number.isNaN(listening) && out.includes("AppKeys is listening")) listening = performance.now() - started;
  });
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  let ready = NaN;
  const deadline = started + 60_000;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`AppKeys exited with ${proc.exitCode}:\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) {
        ready = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  if (Number.isNaN(ready)) {
    proc.kill("SIGKILL");
    throw new Error(`AppKeys was not ready within 60 s:\n${out}`);
  }
  return {
    listening,
    ready,
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function run(): Promise<void> {
  const standIn = await SlackStandIn.start({ teamId: "TBENCH" });
  const dataDir = await mkdtemp(path.join(tmpdir(), "appkeys-cold-"));
  const env = {
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_SIGNING_SECRET: "bench-signing-secret-0123456789",
    SLACK_API_URL: standIn.url,
    DATA_DIR: dataDir,
    DATABASE_URL: "",
  };
  const rows: (string | number)[][] = [["start", "listening ms", "/healthz 200 ms"]];
  try {
    for (const label of ["new data directory (initdb + migrations)", "restart on existing data", "restart on existing data"]) {
      const r = await startOnce(env);
      rows.push([label, ms(r.listening), ms(r.ready)]);
      await r.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await standIn.close();
  }
  console.log("spawn → ready, embedded PGlite on disk, TypeScript compiled on the fly by tsx (as `npm start`)");
  console.log(table(rows));
}
