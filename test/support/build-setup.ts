/**
 * Vitest global setup: the tests that start `npm start`'s entry point as a child process run the
 * built bundle (dist/main.js), so it is rebuilt first when sources changed (a no-op otherwise).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "../..");
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "build-if-stale.mjs")], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("building dist/ failed: see the output above");
}
