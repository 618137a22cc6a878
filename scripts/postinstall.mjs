#!/usr/bin/env node
// After `npm install`: generate the Prisma client and compile dist/, so `npm start` starts at
// once. Both tools are dev dependencies: an install without them (`npm ci --omit=dev` on a
// server that receives a built dist/) skips this step.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const prisma = path.join(root, "node_modules", "prisma", "build", "index.js");
if (!existsSync(prisma)) {
  console.error("AppKeys: the prisma CLI is not installed (production install?): skipping client generation and build.");
  process.exit(0);
}
const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run([prisma, "generate"]);
run([path.join(root, "scripts", "build-if-stale.mjs")]);
