/**
 * Keeps the credential index current, in one serial loop (so reads never apply out of order):
 * - a full load at start (the replica answers 503 until it is done), repeated every
 *   `reloadIntervalMs` into a fresh index that replaces the old one (this is also what forgets
 *   credentials deleted behind the app's back);
 * - change notifications (credentials/notify.ts): the named shared keys are read again at once,
 *   so a new key or a revocation is normally seen within milliseconds;
 * - a reconcile every `pollIntervalMs`: the rows changed since the last snapshot (store.ts), so
 *   a notification lost or never sent still takes effect within pollIntervalMs + one query.
 * While a full reload runs, reconciles and notifications keep updating the index in use; the new
 * index catches up from the reload's own snapshot before it replaces it.
 */
import { CredentialIndex } from "./credential-index.js";
import type { EndpointSets } from "./endpoint-sets.js";
import type { CredentialStore } from "./store.js";

export interface SyncLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface IndexSyncOptions {
  store: CredentialStore;
  sets: EndpointSets;
  logger?: SyncLogger;
  monotonic: () => number;
  pollIntervalMs: number;
  reloadIntervalMs: number;
  pageSize: number;
}

export interface SyncStats {
  /** Full loads completed. */
  reloads: number;
  /** Reconcile rounds completed. */
  reconciles: number;
  /** Shared keys read again because a notification named them. */
  notified: number;
  /** Records applied from reconciles and notifications. */
  changes: number;
  /** Duration of the last full load, ms. */
  lastLoadMs: number;
}

const ERROR_LOG_EVERY_MS = 10_000;

export class IndexSync {
  /** The index in use; null until the first full load is done. */
  index: CredentialIndex | null = null;
  /** Bumped whenever the index in use or any row of it changes (answer caches key on it). */
  generation = 0;
  /** Monotonic time of the snapshot the index is known to be current with (-Infinity: never). */
  confirmedAt = -Infinity;
  readonly stats: SyncStats = { reloads: 0, reconciles: 0, notified: 0, changes: 0, lastLoadMs: 0 };

  /** The index reflects every transaction visible in this snapshot. */
  private since = "";
  private pending = new Map<string, string | undefined>();
  private pendingSettled = deferred();
  /** The batch of notified keys being read, and when it is applied (or failed). */
  private reading: { keys: ReadonlyMap<string, unknown>; settled: Deferred } | null = null;
  private pendingAll = false;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastRound = -Infinity;
  private lastReload = -Infinity;
  private errorLoggedAt = -Infinity;
  private progress = { done: 0, total: 0, startedAt: 0 };
  private readonly loaded: Promise<void>;
  private markLoaded!: () => void;

  constructor(private readonly o: IndexSyncOptions) {
    this.loaded = new Promise((r) => {
      this.markLoaded = r;
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  whenLoaded(): Promise<void> {
    return this.loaded;
  }

  /** For callers outside the loop: loads (or waits for the loop's load) when nothing is loaded yet. */
  async ensureLoaded(): Promise<void> {
    if (this.index) return;
    if (this.running) return this.loaded;
    await this.reload();
  }

  /** Outside the loop (not started): brings the index up to date when older than maxStaleMs. */
  async ensureFresh(maxStaleMs: number): Promise<void> {
    await this.ensureLoaded();
    if (!this.running && this.o.monotonic() - this.confirmedAt > maxStaleMs) await this.reconcile();
  }

  /** A notification: re-read this shared key (or, without one, every change since the last round). */
  changed(sharedKey?: string, credentialId?: string): void {
    if (sharedKey) this.pending.set(sharedKey, credentialId);
    else this.pendingAll = true;
    this.wake?.();
  }

  /**
   * When a notification named this shared key and its read is not applied yet: a promise that
   * settles once it is (or failed). Otherwise null. Only real changes are notified, so a caller
   * waiting here is rare and cannot be provoked with made-up keys.
   */
  settling(sharedKey: string): Promise<void> | null {
    if (this.pending.size !== 0 && this.pending.has(sharedKey)) return this.pendingSettled.promise;
    if (this.reading?.keys.has(sharedKey)) return this.reading.settled.promise;
    return null;
  }

  /** Seconds a caller should wait before asking again while the first load runs. */
  retryAfterSeconds(): number {
    const { done, total, startedAt } = this.progress;
    const elapsed = (this.o.monotonic() - startedAt) / 1000;
    if (done === 0 || total <= done || elapsed <= 0) return 1;
    return Math.min(30, Math.max(1, Math.ceil(((total - done) * elapsed) / done)));
  }

  /** One full load into a new index, which then replaces the one in use. Tests call it directly. */
  async reload(): Promise<void> {
    try {
      await this.load();
    } catch (err) {
      if (!(err instanceof Stopped)) throw err;
    }
  }

  private async load(): Promise<void> {
    const { store, sets } = this.o;
    const startedAt = this.o.monotonic();
    const total = await store.count();
    this.progress = { done: 0, total, startedAt };
    const next = new CredentialIndex(total + Math.max(1024, total >> 6));
    const from = await store.scan(this.o.pageSize, async (rows) => {
      for (const r of rows) next.append(r, sets.intern(r.endpoints));
      this.progress.done += rows.length;
      if (this.index) await this.keepCurrent();
      if (!this.running && this.loop) throw new Stopped();
    });
    next.seal();
    // Whatever committed after `from` may be missing from (or older in) the pages: read it again.
    const confirmedAt = this.o.monotonic();
    const snapshot = await store.snapshot();
    for (const r of await store.changedSince(from)) next.upsert(r, sets.intern(r.endpoints));
    this.index = next;
    this.since = snapshot;
    this.confirmedAt = confirmedAt;
    this.generation++;
    this.lastRound = this.lastReload = this.o.monotonic();
    this.stats.reloads++;
    this.stats.lastLoadMs = Math.round(this.lastReload - startedAt);
    this.markLoaded();
    this.o.logger?.info(
      { credentials: next.size, endpointSets: sets.size, indexBytes: next.bytes(), ms: this.stats.lastLoadMs },
      "verification index loaded",
    );
  }

  /** One reconcile round: applies every credential change since the last snapshot. */
  async reconcile(): Promise<void> {
    const index = this.index;
    if (!index) return;
    this.pendingAll = false;
    const confirmedAt = this.o.monotonic();
    const snapshot = await this.o.store.snapshot();
    const rows = await this.o.store.changedSince(this.since);
    if (this.index !== index) return; // replaced meanwhile: the new one caught up on its own
    for (const r of rows) index.upsert(r, this.o.sets.intern(r.endpoints));
    if (rows.length) this.generation++;
    this.since = snapshot;
    this.confirmedAt = confirmedAt;
    this.lastRound = this.o.monotonic();
    this.stats.reconciles++;
    this.stats.changes += rows.length;
  }

  private async applyNotified(): Promise<void> {
    const index = this.index;
    if (!index || this.pending.size === 0) return;
    const batch = this.pending;
    const reading = { keys: new Map(batch), settled: this.pendingSettled };
    this.pending = new Map();
    this.pendingSettled = deferred();
    this.reading = reading;
    try {
      await this.applyBatch(index, batch);
    } catch (err) {
      for (const [k, v] of batch) if (!this.pending.has(k)) this.pending.set(k, v);
      throw err;
    } finally {
      this.reading = null;
      reading.settled.resolve();
    }
  }

  private async applyBatch(index: CredentialIndex, batch: Map<string, string | undefined>): Promise<void> {
    const rows = await this.o.store.findMany([...batch.keys()]);
    if (this.index !== index) return;
    for (const r of rows) {
      index.upsert(r, this.o.sets.intern(r.endpoints));
      batch.delete(r.sharedKey);
    }
    // Named but gone: deleted.
    for (const [sharedKey, credentialId] of batch) if (credentialId) index.remove(sharedKey, credentialId);
    this.generation++;
    this.stats.notified += rows.length + batch.size;
    this.stats.changes += rows.length;
  }

  /** Notifications and due reconciles, for the index in use. */
  private async keepCurrent(): Promise<void> {
    if (this.pending.size) await this.applyNotified();
    if (this.pendingAll || this.o.monotonic() - this.lastRound >= this.o.pollIntervalMs) await this.reconcile();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.index || this.o.monotonic() - this.lastReload >= this.o.reloadIntervalMs) await this.reload();
        await this.keepCurrent();
        failures = 0;
      } catch (err) {
        failures++;
        const now = this.o.monotonic();
        if (now - this.errorLoggedAt >= ERROR_LOG_EVERY_MS) {
          this.errorLoggedAt = now;
          const what = this.index ? "could not read credential changes; answers may lag" : "could not load credentials; answering 503";
          this.o.logger?.warn({ err: err instanceof Error ? err.message : String(err), failures }, `verification index: ${what}`);
        }
        await this.sleep(Math.min(2000, 100 * 2 ** failures), false);
        continue;
      }
      await this.sleep(Math.max(0, this.lastRound + this.o.pollIntervalMs - this.o.monotonic()));
    }
  }

  /** Waits ms; a notification cuts it short when `wakeable` (not while backing off after errors). */
  private sleep(ms: number, wakeable = true): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (wakeable && (this.pending.size || this.pendingAll)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = wakeable ? done : () => this.running || done();
    });
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Ends a full load early when the loop is stopped. */
class Stopped extends Error {}
