import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";

/**
 * Starts the embedded database: a data directory (created if missing), "memory://" or nothing for
 * a throwaway one. main.ts calls this before loading the rest of the app, so PGlite's file reads
 * and WebAssembly compilation overlap with that.
 *
 * PGlite 0.3 kept its tables in template1 and ran with shared_buffers=128MB compiled in, all of
 * it written to (~200 MB resident). 0.4 takes the database and PostgreSQL's settings as options:
 * the same database (data directories made by 0.3 open as they are), and a shared buffer pool
 * sized for a bot's working set (its tables are small; the credential index lives in the process).
 */
export async function startPGlite(dataDir?: string, preloaded: { wasmModule?: WebAssembly.Module; fsBundle?: Blob } = {}): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  let dir = dataDir;
  if (dir && !dir.startsWith("memory://")) {
    if (dir.startsWith("file://")) dir = fileURLToPath(dir);
    dir = path.resolve(dir);
    await mkdir(dir, { recursive: true });
  }
  const pglite = new PGlite({
    ...(dir ? { dataDir: dir } : {}),
    database: "template1",
    ...(preloaded.wasmModule ? { pgliteWasmModule: preloaded.wasmModule } : {}),
    ...(preloaded.fsBundle ? { fsBundle: preloaded.fsBundle } : {}),
    startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB", "-c", "wal_buffers=1MB"],
  });
  await pglite.waitReady;
  return pglite;
}
