/**
 * The embedded database's thread (a worker; src/platform/db/pglite-remote.ts is the other end).
 * PGlite runs PostgreSQL as WebAssembly on the thread that calls it: here, that is not the bot's
 * event loop, so opening the database overlaps with the bot loading its code, and a heavy query
 * never holds up an HTTP answer.
 *
 * Messages are handled as they come, except that the operations of one transaction run in the
 * order they were sent. Values cross as structured clones; columns whose types the caller parses
 * itself (rawTypes) are left as PostgreSQL's text. Errors cross as their fields, without the
 * query's parameters.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { HostMessage, HostRequest, SerializedError } from "./pglite-protocol.js";
import { startPGlite } from "./pglite-start.js";

// Before any WebAssembly compiles (see main.ts).
setFlagsFromString("--liftoff-only");

/**
 * PostgreSQL's WebAssembly (pglite.wasm, 10 MB) and its file bundle (pglite.data, 6 MB), read and
 * compiling from the thread's first moment: the compile runs on V8's background threads while
 * this thread goes on loading PGlite's JavaScript, which is when PGlite itself would begin both
 * (~30 ms of a start). Read synchronously: nothing else waits on this thread yet. On any failure
 * PGlite loads them itself, and says what is wrong.
 */
function preload(): { wasmModule?: Promise<WebAssembly.Module>; fsBundle?: Blob } {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
    const wasmModule = WebAssembly.compile(readFileSync(path.join(dir, "pglite.wasm")));
    wasmModule.catch(() => {});
    return { wasmModule, fsBundle: new Blob([readFileSync(path.join(dir, "pglite.data"))]) };
  } catch {
    return {};
  }
}
let preloaded = preload();

interface OpenTransaction {
  tx: Transaction;
  finish(commit: boolean): void;
  done: Promise<unknown>;
  chain: Promise<unknown>;
}

const port = parentPort!;
const post = (m: HostMessage) => port.postMessage(m);
const identity = (v: unknown) => v;

function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    // The query's parameters stay on this side: a log of the error must not carry them.
    if (k !== "params" && (v === null || ["string", "number", "boolean"].includes(typeof v))) fields[k] = v;
  }
  return { ...fields, name: err.name, message: err.message };
}

async function serve(pg: PGlite): Promise<void> {
  const txs = new Map<number, OpenTransaction>();
  const unlisten = new Map<number, () => Promise<void>>();

  const target = (m: HostRequest): PGlite | Transaction => {
    if (m.txId === undefined) return pg;
    const t = txs.get(m.txId);
    if (!t) throw new Error(`transaction ${m.txId} is not open`);
    return t.tx;
  };

  const run = async (m: HostRequest): Promise<unknown> => {
    switch (m.op) {
      case "query": {
        const parsers = m.rawTypes?.length ? Object.fromEntries(m.rawTypes.map((t) => [t, identity])) : undefined;
        const r = await target(m).query(m.sql!, m.params ?? [], {
          ...(m.rowMode ? { rowMode: m.rowMode } : {}),
          ...(parsers ? { parsers } : {}),
        });
        return { rows: r.rows, fields: r.fields, affectedRows: r.affectedRows };
      }
      case "exec":
        return (await target(m).exec(m.sql!)).map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }));
      case "begin":
        return new Promise<number>((begun, failed) => {
          const entry = { chain: Promise.resolve() } as OpenTransaction;
          entry.done = pg
            .transaction(
              (tx) =>
                new Promise<void>((commit, abort) => {
                  entry.tx = tx;
                  entry.finish = (ok) => (ok ? commit() : abort(new Error("transaction aborted by its caller")));
                  txs.set(m.id, entry);
                  begun(m.id);
                }),
            )
            .finally(() => txs.delete(m.id));
          entry.done.catch(failed);
        });
      case "commit":
      case "abort": {
        const t = txs.get(m.txId!);
        if (!t) return undefined;
        t.finish(m.op === "commit");
        if (m.op === "commit") await t.done;
        else await t.done.catch(() => undefined);
        return undefined;
      }
      case "rollback":
        await (target(m) as Transaction).rollback();
        return undefined;
      case "listen":
        unlisten.set(m.lid!, await pg.listen(m.channel!, (payload) => post({ type: "notification", lid: m.lid!, payload })));
        return undefined;
      case "unlisten":
        await unlisten.get(m.lid!)?.();
        unlisten.delete(m.lid!);
        return undefined;
      case "close":
        if (!pg.closed) await pg.close();
        return undefined;
    }
  };

  const handle = async (m: HostRequest) => {
    try {
      post({ type: "reply", id: m.id, result: await run(m) });
    } catch (err) {
      post({ type: "reply", id: m.id, error: serializeError(err) });
    }
    if (m.op === "close") port.close();
  };

  port.on("message", (m: HostRequest) => {
    const t = m.txId !== undefined && m.op !== "begin" ? txs.get(m.txId) : undefined;
    if (t) t.chain = t.chain.then(() => handle(m));
    else void handle(m);
  });
}

try {
  const { wasmModule, fsBundle } = preloaded;
  // Not kept once PGlite has them: the bundle is 6 MB this thread would otherwise hold for good.
  preloaded = {};
  const pg = await startPGlite((workerData as { dataDir?: string }).dataDir, {
    wasmModule: await wasmModule?.catch(() => undefined),
    fsBundle,
  });
  await serve(pg);
  post({ type: "ready", dataDir: pg.dataDir });
} catch (err) {
  post({ type: "failed", error: serializeError(err) });
  port.close();
}
