import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project's folder (where package.json, prisma/ and catalog/ live), found by walking up from
 * this module: the same answer from src/ under tsx, from dist/ after tsc, and from the one-file
 * bundle that `npm start` runs (where every module shares the bundle's import.meta.url).
 */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, "..");
  }
}
