#!/usr/bin/env node
// `npm start` runs compiled JavaScript. This builds dist/ first when it is missing or older than
// any source file (a fresh clone, a pull), and does nothing otherwise: no compiler at run time.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Written after each successful build (tsc leaves its own build info untouched when nothing changed).
const stamp = path.join(root, "dist", ".built");
const force = process.argv.includes("--force");

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(
  newest(path.join(root, "src")),
  ...["tsconfig.json", "tsconfig.build.json", "package.json"].map((f) => statSync(path.join(root, f)).mtimeMs),
);
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= sources) process.exit(0);

const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tsc)) {
  console.error("AppKeys: dist/ is missing or out of date and TypeScript is not installed. Run `npm install` (with dev dependencies) or `npm run build`.");
  process.exit(1);
}
if (!force) console.error("AppKeys: compiling TypeScript to dist/ (sources changed)…");
// tsc type-checks and compiles to dist/tsc/; the bundler then makes dist/main.js (one file plus
// chunks loaded on demand), which starts faster than thousands of module files (scripts/bundle.mjs).
for (const args of [[tsc, "-p", path.join(root, "tsconfig.build.json")], [path.join(root, "scripts", "bundle.mjs")]]) {
  const r = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
writeFileSync(stamp, `${new Date().toISOString()}\n`);
