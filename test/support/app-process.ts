/**
 * `npm start`'s entry point (dist/main.js, the built bundle) as a child process, for the tests
 * that need a real process: exit codes, signals, Socket Mode through the bundle.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface AppProcess {
  child: ChildProcess;
  port: number;
  url: string;
  out: () => string;
  exited: Promise<{ code: number | null; at: number }>;
}

/** Starts dist/main.js on a free port with `env` over a minimal environment (PATH, HOME, PORT, HOST). */
export async function spawnApp(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  let out = "";
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (out += String(d)));
  child.stderr?.on("data", (d) => (out += String(d)));
  const exited = new Promise<{ code: number | null; at: number }>((r) => child.once("exit", (code) => r({ code, at: Date.now() })));
  return { child, port, url: `http://127.0.0.1:${port}`, out: () => out, exited };
}
