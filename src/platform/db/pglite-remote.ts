/**
 * The embedded database on a thread of its own (pglite-host.ts), seen from the app as the part of
 * PGlite's API that AppKeys and pglite-prisma-adapter use: query (with per-type parsers), exec,
 * transaction (with rollback), listen, close. Why a thread: PGlite runs PostgreSQL as WebAssembly
 * on the thread that calls it. On the bot's own thread, opening the database (~350 ms of CPU)
 * could not overlap with loading the bot, and every query held up the event loop that answers
 * Slack and the gateways.
 *
 * Parsers are functions and cannot cross threads: the host leaves the columns of the types the
 * caller parses as PostgreSQL's text, and they are parsed here. Errors come back as PGlite's
 * DatabaseError (the adapter maps them by class and code).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { PGlite } from "@electric-sql/pglite";
import { PROJECT_ROOT } from "../paths.js";
import type { HostMessage, HostRequest, SerializedError } from "./pglite-protocol.js";

type Parser = (value: string, typeId: number) => unknown;
interface QueryOptions {
  rowMode?: "array" | "object";
  parsers?: Record<number, Parser>;
}
interface Field {
  name: string;
  dataTypeID: number;
}
interface Results<T = Record<string, unknown>> {
  rows: T[];
  fields: Field[];
  affectedRows?: number;
}
type Send = (m: Omit<HostRequest, "id">) => Promise<unknown>;

/**
 * The host's thread: the bundle's entry next to dist/main.js, or, when the app runs from its
 * TypeScript sources (tests, `npm run dev`), the source file through tsx's loader.
 */
function startHost(workerData: unknown): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    const host = pathToFileURL(path.join(path.dirname(here), "pglite-host.ts")).href;
    // tsx's ES module API (require.resolve finds its CommonJS twin beside it).
    const tsx = pathToFileURL(
      createRequire(import.meta.url)
        .resolve("tsx/esm/api")
        .replace(/\.cjs$/, ".mjs"),
    ).href;
    const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(host)}); });`;
    return new Worker(boot, { eval: true, workerData });
  }
  const bundled = path.join(PROJECT_ROOT, "dist", "pglite-host.js");
  return new Worker(existsSync(bundled) ? bundled : path.join(path.dirname(here), "pglite-host.js"), { workerData });
}

let DatabaseError: (new (message: string, length: number, name: string) => Error) | undefined;

function revive(e: SerializedError): Error {
  const { name, message, ...fields } = e;
  // PostgreSQL's errors come back as PGlite's own class, which the Prisma adapter checks for.
  const err = name === "error" && DatabaseError ? new DatabaseError(message, Number(fields.length ?? 0), name) : new Error(message);
  return Object.assign(err, fields);
}

function parse<T>(r: Results<T>, opts: QueryOptions | undefined): Results<T> {
  const parsers = opts?.parsers;
  if (!parsers || !r.fields.some((f) => parsers[f.dataTypeID])) return r;
  const byColumn = r.fields.map((f, i) => ({
    parser: parsers[f.dataTypeID],
    key: opts?.rowMode === "array" ? i : f.name,
    type: f.dataTypeID,
  }));
  for (const row of r.rows as Record<string | number, unknown>[]) {
    for (const c of byColumn) {
      const v = row[c.key];
      if (c.parser && v !== null && v !== undefined) row[c.key] = c.parser(v as string, c.type);
    }
  }
  return r;
}

function rawTypes(opts: QueryOptions | undefined): number[] | undefined {
  return opts?.parsers ? Object.keys(opts.parsers).map(Number).filter(Number.isInteger) : undefined;
}

/** The calls a transaction takes, on the host's transaction `txId`. */
function remoteTransaction(send: Send, txId: number) {
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    async query<T>(sql: string, params: unknown[] = [], opts?: QueryOptions): Promise<Results<T>> {
      return parse((await send({ op: "query", txId, sql, params, rowMode: opts?.rowMode, rawTypes: rawTypes(opts) })) as Results<T>, opts);
    },
    async exec(sql: string): Promise<Results[]> {
      return (await send({ op: "exec", txId, sql })) as Results[];
    },
    async rollback(): Promise<void> {
      closed = true;
      await send({ op: "rollback", txId });
    },
  };
}

export class RemotePGlite {
  readonly waitReady: Promise<void>;
  dataDir?: string;
  /** How long the database took to open, from the thread's start. */
  openMs?: number;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly listeners = new Map<number, (payload: string) => void>();
  private nextId = 1;
  private isClosed = false;
  private failure: Error | undefined;

  constructor(dataDir?: string) {
    const started = performance.now();
    this.worker = startHost({ dataDir });
    this.waitReady = new Promise<void>((resolve, reject) => {
      const onMessage = (m: HostMessage) => {
        if (m.type === "ready") {
          this.dataDir = m.dataDir;
          this.openMs = Math.round(performance.now() - started);
          resolve();
        } else if (m.type === "failed") reject(revive(m.error));
        else if (m.type === "reply") this.settle(m);
        else this.listeners.get(m.lid)?.(m.payload);
      };
      this.worker.on("message", onMessage);
      this.worker.on("error", (err) => this.fail(err, reject));
      this.worker.on("exit", (code) => this.fail(new Error(`the embedded database's thread exited (code ${code})`), reject));
    });
    // Observed by whoever awaits it; never an unhandled rejection meanwhile.
    this.waitReady.catch(() => {});
  }

  /** Starts PGlite on its own thread (DATA_DIR, "memory://" or nothing for a throwaway database). */
  static async create(dataDir?: string): Promise<PGlite> {
    const db = new RemotePGlite(dataDir);
    await db.waitReady;
    // The class PostgreSQL errors are revived as: the one pglite-prisma-adapter checks against.
    // Loaded once the database is open, not beside its start: PGlite's JavaScript is ~20 ms of
    // CPU, which this thread would take from the database's own start on two cores. By now the
    // bot has usually loaded it with the adapter (src/platform/db/pglite.ts).
    DatabaseError = (await import("@electric-sql/pglite")).messages.DatabaseError as unknown as typeof DatabaseError;
    return db as unknown as PGlite;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private settle(m: Extract<HostMessage, { type: "reply" }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(revive(m.error));
    else p.resolve(m.result);
  }

  private fail(err: Error, rejectReady: (e: Error) => void): void {
    this.failure ??= err;
    this.isClosed = true;
    rejectReady(err);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  private send: Send = (m) => {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  };

  async query<T>(sql: string, params: unknown[] = [], opts?: QueryOptions): Promise<Results<T>> {
    return parse((await this.send({ op: "query", sql, params, rowMode: opts?.rowMode, rawTypes: rawTypes(opts) })) as Results<T>, opts);
  }

  async exec(sql: string): Promise<Results[]> {
    return (await this.send({ op: "exec", sql })) as Results[];
  }

  async transaction<T>(fn: (tx: ReturnType<typeof remoteTransaction>) => Promise<T>): Promise<T> {
    const txId = (await this.send({ op: "begin" })) as number;
    let out: T;
    try {
      out = await fn(remoteTransaction(this.send, txId));
    } catch (err) {
      await this.send({ op: "abort", txId }).catch(() => undefined);
      throw err;
    }
    await this.send({ op: "commit", txId });
    return out;
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const lid = this.nextId++;
    // Registered first: a notification may arrive before the reply.
    this.listeners.set(lid, onPayload);
    try {
      await this.send({ op: "listen", channel, lid });
    } catch (err) {
      this.listeners.delete(lid);
      throw err;
    }
    return async () => {
      if (!this.listeners.delete(lid) || this.isClosed) return;
      await this.send({ op: "unlisten", lid });
    };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.send({ op: "close" });
    this.isClosed = true;
    await this.worker.terminate();
  }
}
