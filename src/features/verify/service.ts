/**
 * Key verification for API gateways: "is this shared key + secret key pair valid, and may it call
 * this endpoint?" Pure of HTTP: src/features/verify/http/route.ts maps requests and answers.
 *
 * Hot path, per call: two checksum parses, one in-memory lookup, one constant-time hash
 * comparison; the database is only asked when a shared key is not cached or its cached state is
 * too old to trust.
 *
 * Freshness (a revocation is seen within 1 second on every replica):
 * - A cache entry is only used while `validatedAt` is less than `maxStaleMs` (900 ms) old, where
 *   validatedAt is when a database read that confirmed the entry *started*.
 * - Every `pollIntervalMs` (300 ms) one batched read re-checks every cached shared key (status,
 *   grace-period end, app archived, connected endpoints, secret hash) and moves validatedAt on,
 *   or drops the entries that changed. This bounds staleness without relying on notifications,
 *   so a NOTIFY lost while the listener reconnects, or never sent (process died between the
 *   commit and publishCredentialChange), still takes effect within maxStaleMs. If the database
 *   is slow or down, entries simply age out and lookups fail closed.
 * - Credential change notifications (src/features/credentials/notify.ts) drop an entry at once, so in the
 *   normal case a revocation is seen within milliseconds.
 * The credential table has no updated-at column, which rules out polling "changes since a
 * watermark"; re-checking the (small) set of keys in use is one indexed query per chunk.
 *
 * Grace periods: an ACTIVE key with revokeAt set is valid strictly before revokeAt and refused
 * from revokeAt on, whether or not the scheduler has flipped its status yet (the business clock
 * decides, so tests can walk time).
 *
 * Throttling (per replica, in memory):
 * - Wrong secrets for an existing shared key are counted in a sliding window (10 per minute by
 *   default). Past the limit, a request whose secret is wrong gets "throttled" (HTTP 429 with
 *   Retry-After) — but the secret is still checked first, in constant time, and a request with
 *   the right secret is answered normally. An attacker hammering someone's shared key therefore
 *   cannot lock the owner out. The price: the throttle does not stop an online guess from being
 *   evaluated (the only thing telling owner and attacker apart is the secret itself). With ~190
 *   bits of secret, guessing is hopeless anyway; the throttle is back-pressure against
 *   misbehaving clients and a signal (logged once per window per key) that someone is trying.
 *   Unknown shared keys are not counted per key (that map would grow without bound; they are
 *   answered from a bounded negative cache).
 * - Per caller (verify token + remote address), MALFORMED answers are counted too (1000 per 10 s
 *   by default); past that, further malformed requests from that caller get 429. Well-formed
 *   requests are never refused by this limit.
 *
 * Last use: ids of credentials that verified as valid are collected in memory; the last-used
 * worker (src/features/verify/last-used.worker.ts) writes them in one batched UPDATE.
 */
import * as nodeCrypto from "node:crypto";
import type { Database } from "../../platform/db/database.js";
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { Clock } from "../../shared/clock.js";
import { EndpointMatcher, parseEndpointRef } from "../catalog/match.js";
import type { EndpointRow } from "../catalog/service.js";
import { parseKey, verifySecret, type Environment } from "../credentials/key-format.js";
import { CREDENTIAL_CHANNEL } from "../credentials/notify.js";

export const VERIFY_CODES = ["MALFORMED", "NOT_FOUND", "REVOKED", "ENDPOINT_NOT_ALLOWED"] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

export interface VerifyInput {
  sharedKey: string;
  secretKey: string;
  /** "METHOD /path", e.g. "GET /payments/123"; matched against the catalog's path templates. */
  endpoint?: string;
}

export type VerifyAnswer =
  | {
      valid: true;
      /** Public App ID (app_…). */
      appId: string;
      credentialId: string;
      environment: Environment;
      /** Catalog ids of the endpoints the app connected (live ones), sorted. */
      endpoints: readonly string[];
      /** The catalog endpoint the request's `endpoint` matched, when one was given. */
      endpoint?: string;
    }
  | { valid: false; code: VerifyCode };

export type VerifyOutcome =
  | { kind: "answer"; answer: VerifyAnswer }
  | { kind: "throttled"; retryAfterSeconds: number; reason: "secret" | "caller" };

/** What verification needs to know about one credential, as read from the database. */
export interface CredentialRecord {
  sharedKey: string;
  credentialId: string;
  appPublicId: string;
  environment: Environment;
  secretHash: string;
  status: "ACTIVE" | "REVOKED";
  revokeAt: Date | null;
  appArchived: boolean;
  endpointIds: string[];
}

/** Where records come from: the database (prismaCredentialStore) or, in unit tests, a map. */
export interface CredentialStore {
  find(sharedKey: string): Promise<CredentialRecord | null>;
  /** Records for those of `sharedKeys` that exist, in any order. */
  findMany(sharedKeys: string[]): Promise<CredentialRecord[]>;
}

export interface EndpointSource {
  all(): readonly EndpointRow[];
  get(id: string): EndpointRow | undefined;
}

export interface VerifyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface WindowLimit {
  max: number;
  windowMs: number;
}

export interface VerifyServiceOptions {
  store: CredentialStore;
  /** Business time: grace periods and throttle windows. */
  clock: Clock;
  /** Monotonic milliseconds for cache freshness (default performance.now). */
  monotonic?: () => number;
  pepper?: string;
  endpoints: EndpointSource;
  logger?: VerifyLogger;
  /** Oldest confirmation of a cached entry that may still be trusted. Keep well below 1 s. */
  maxStaleMs?: number;
  pollIntervalMs?: number;
  /** Entries not used for this long are dropped (and no longer re-checked). */
  idleMs?: number;
  maxEntries?: number;
  maxNegativeEntries?: number;
  secretFailures?: WindowLimit;
  callerFailures?: WindowLimit;
}

export const VERIFY_DEFAULTS = {
  maxStaleMs: 900,
  pollIntervalMs: 300,
  idleMs: 60_000,
  maxEntries: 100_000,
  maxNegativeEntries: 10_000,
  secretFailures: { max: 10, windowMs: 60_000 },
  callerFailures: { max: 1000, windowMs: 10_000 },
} as const;

/** Keys re-checked per database round trip. */
const REVALIDATE_CHUNK = 500;

interface FoundEntry {
  found: true;
  credentialId: string;
  appPublicId: string;
  environment: Environment;
  secretHash: string;
  /** verifySecret against secretHash, with the stored hash decoded once. */
  checkSecret: (secret: string) => boolean;
  /** REVOKED, or the app is archived. */
  revoked: boolean;
  revokeAtMs: number | null;
  endpointIds: ReadonlySet<string>;
  endpoints: readonly string[];
  /** Everything the entry was built from, to tell whether a re-read changed anything. */
  fingerprint: string;
  validatedAt: number;
  lastHitAt: number;
}

interface MissingEntry {
  found: false;
  validatedAt: number;
  lastHitAt: number;
}

type Entry = FoundEntry | MissingEntry;

export interface VerifyStats {
  /** Lookups answered from the cache. */
  hits: number;
  /** Single-key database reads. */
  loads: number;
  /** Batched re-check rounds that completed. */
  revalidations: number;
  /** Entries dropped by a notification or because a re-check found a change. */
  invalidations: number;
  cached: number;
}

export class VerifyService {
  private readonly store: CredentialStore;
  private readonly clock: Clock;
  private readonly mono: () => number;
  private readonly pepper?: string;
  private readonly endpointSource: EndpointSource;
  private readonly logger?: VerifyLogger;
  private readonly maxStaleMs: number;
  private readonly pollIntervalMs: number;
  private readonly idleMs: number;
  private readonly maxEntries: number;
  private readonly maxNegativeEntries: number;

  private readonly cache = new Map<string, Entry>();
  private negatives = 0;
  private readonly inflight = new Map<string, Promise<Entry>>();
  /** Bumped by every invalidation: a load that overlapped one is used once but not cached. */
  private epoch = 0;
  private readonly secretFailures: FailureWindow;
  private readonly callerFailures: FailureWindow;
  private used = new Set<string>();

  private matcher: EndpointMatcher | null = null;
  private matcherRows: readonly EndpointRow[] | null = null;

  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private pollErrorLoggedAt = -Infinity;
  readonly stats: VerifyStats = { hits: 0, loads: 0, revalidations: 0, invalidations: 0, cached: 0 };

  constructor(o: VerifyServiceOptions) {
    this.store = o.store;
    this.clock = o.clock;
    this.mono = o.monotonic ?? (() => performance.now());
    this.pepper = o.pepper;
    this.endpointSource = o.endpoints;
    this.logger = o.logger;
    this.maxStaleMs = o.maxStaleMs ?? VERIFY_DEFAULTS.maxStaleMs;
    this.pollIntervalMs = o.pollIntervalMs ?? VERIFY_DEFAULTS.pollIntervalMs;
    this.idleMs = o.idleMs ?? VERIFY_DEFAULTS.idleMs;
    this.maxEntries = o.maxEntries ?? VERIFY_DEFAULTS.maxEntries;
    this.maxNegativeEntries = o.maxNegativeEntries ?? VERIFY_DEFAULTS.maxNegativeEntries;
    const sf = o.secretFailures ?? VERIFY_DEFAULTS.secretFailures;
    const cf = o.callerFailures ?? VERIFY_DEFAULTS.callerFailures;
    this.secretFailures = new FailureWindow(sf.max, sf.windowMs);
    this.callerFailures = new FailureWindow(cf.max, cf.windowMs);
  }

  /** Subscribes to credential changes and starts the re-check loop. */
  async start(db: Pick<Database, "listen">): Promise<void> {
    if (!this.unlisten) {
      try {
        this.unlisten = await db.listen(CREDENTIAL_CHANNEL, (payload) => this.onChange(payload));
      } catch (err) {
        // Not fatal: the re-check loop alone keeps answers within maxStaleMs.
        this.logger?.warn({ err: errMessage(err) }, "verification cache: LISTEN failed; relying on re-checks only");
      }
    }
    if (!this.timer) {
      this.timer = setInterval(() => {
        if (!this.polling) {
          this.polling = this.revalidate().finally(() => {
            this.polling = undefined;
          });
        }
      }, this.pollIntervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => undefined);
    await this.polling;
  }

  async verify(input: VerifyInput, caller: string): Promise<VerifyOutcome> {
    return this.verifyNow(input, caller);
  }

  /**
   * Like verify(), but answers synchronously when no database read is needed (malformed keys,
   * fresh cache entries): the HTTP hot path then allocates no promise.
   */
  verifyNow(input: VerifyInput, caller: string): VerifyOutcome | Promise<VerifyOutcome> {
    const shared = parseKey(input.sharedKey);
    const secret = parseKey(input.secretKey);
    if (shared?.kind !== "shared" || !secret || secret.kind !== "secret" || shared.environment !== secret.environment) {
      return this.malformed(caller, this.clock().getTime());
    }
    const entry = this.fresh(input.sharedKey);
    if (entry) return this.decide(entry, input, caller);
    return this.load(input.sharedKey).then((e) => this.decide(e, input, caller));
  }

  private decide(entry: Entry, input: VerifyInput, caller: string): VerifyOutcome {
    // Unknown shared keys skip the hash: shared keys are public, so the timing says nothing new.
    if (!entry.found) return NOT_FOUND;
    const now = this.clock().getTime();
    // Read before recording this failure: the request that reaches the limit is still answered.
    const blockedMs = this.secretFailures.blockedFor(input.sharedKey, now);
    if (!entry.checkSecret(input.secretKey)) {
      const nowBlocked = this.secretFailures.record(input.sharedKey, now);
      if (nowBlocked && blockedMs === 0) {
        this.logger?.warn(
          { sharedKey: input.sharedKey, credentialId: entry.credentialId, caller },
          "repeated wrong secrets for a shared key: throttling wrong secrets (the right one still works)",
        );
      }
      if (blockedMs > 0) return throttled(blockedMs, "secret");
      // A wrong secret reads like an unknown key: it tells a guesser nothing about the key's state.
      return NOT_FOUND;
    }
    if (entry.revoked || (entry.revokeAtMs !== null && now >= entry.revokeAtMs)) return REVOKED;
    let endpointId: string | undefined;
    if (input.endpoint !== undefined) {
      // The HTTP layer rejects unparseable endpoints with 400; here they simply match nothing.
      const ref = parseEndpointRef(input.endpoint);
      const id = ref ? this.endpointMatcher().match(ref.method, ref.path) : null;
      if (id === null || !entry.endpointIds.has(id)) return ENDPOINT_NOT_ALLOWED;
      endpointId = id;
    }
    this.used.add(entry.credentialId);
    return answer({
      valid: true,
      appId: entry.appPublicId,
      credentialId: entry.credentialId,
      environment: entry.environment,
      endpoints: entry.endpoints,
      ...(endpointId !== undefined ? { endpoint: endpointId } : {}),
    });
  }

  // ------------------------------------------------------------------------------ last use

  /** Credential ids that verified as valid since the last call; the set starts again empty. */
  takeUsed(): string[] {
    if (this.used.size === 0) return [];
    const ids = [...this.used];
    this.used = new Set();
    return ids;
  }

  /** Puts back ids whose write failed, so the next flush tries again. */
  restoreUsed(ids: readonly string[]): void {
    for (const id of ids) this.used.add(id);
  }

  // ------------------------------------------------------------------------------- caching

  /** A notification payload from CREDENTIAL_CHANNEL: drop what it names (everything if unreadable). */
  onChange(payload: string): void {
    let change: { sharedKey?: unknown; credentialId?: unknown } | null = null;
    try {
      change = JSON.parse(payload) as { sharedKey?: unknown; credentialId?: unknown } | null;
    } catch {
      change = null;
    }
    if (change && typeof change.sharedKey === "string") {
      this.invalidate(change.sharedKey);
    } else if (change && typeof change.credentialId === "string") {
      for (const [key, e] of this.cache) if (e.found && e.credentialId === change.credentialId) this.invalidate(key);
    } else {
      this.clear();
    }
  }

  invalidate(sharedKey: string): void {
    this.epoch++;
    // A request arriving after this must not join a read that started before it.
    this.inflight.delete(sharedKey);
    if (this.drop(sharedKey)) this.stats.invalidations++;
  }

  clear(): void {
    this.epoch++;
    this.inflight.clear();
    this.stats.invalidations += this.cache.size;
    this.cache.clear();
    this.negatives = 0;
    this.stats.cached = 0;
  }

  /**
   * Re-reads every cached shared key in batches; confirmed entries become fresh again, changed
   * or vanished ones are dropped. Runs on a timer after start(); tests may call it directly.
   */
  async revalidate(): Promise<void> {
    const now = this.mono();
    const listed: [string, Entry][] = [];
    for (const [key, e] of this.cache) {
      if (now - e.lastHitAt > this.idleMs) this.drop(key);
      else listed.push([key, e]);
    }
    for (let i = 0; i < listed.length; i += REVALIDATE_CHUNK) {
      const chunk = listed.slice(i, i + REVALIDATE_CHUNK);
      const startedAt = this.mono();
      let rows: CredentialRecord[];
      try {
        rows = await this.store.findMany(chunk.map(([k]) => k));
      } catch (err) {
        // Entries age out on their own (fail closed); log at most every 10 s.
        if (startedAt - this.pollErrorLoggedAt > 10_000) {
          this.pollErrorLoggedAt = startedAt;
          this.logger?.warn({ err: errMessage(err) }, "verification cache: re-check failed; cached keys expire and are read again");
        }
        return;
      }
      const byKey = new Map(rows.map((r) => [r.sharedKey, r]));
      for (const [key, e] of chunk) {
        // Replaced (or dropped) meanwhile: the newer entry has its own validatedAt.
        if (this.cache.get(key) !== e) continue;
        const row = byKey.get(key);
        const same = e.found ? row !== undefined && fingerprint(row) === e.fingerprint : row === undefined;
        if (same) {
          if (startedAt > e.validatedAt) e.validatedAt = startedAt;
        } else {
          this.epoch++;
          this.drop(key);
          this.stats.invalidations++;
        }
      }
    }
    this.stats.revalidations++;
  }

  private fresh(sharedKey: string): Entry | null {
    const e = this.cache.get(sharedKey);
    if (!e) return null;
    const now = this.mono();
    // A negative age (clock weirdness) is not trusted either.
    const age = now - e.validatedAt;
    if (age > this.maxStaleMs || age < 0) return null;
    e.lastHitAt = now;
    this.stats.hits++;
    return e;
  }

  private load(sharedKey: string): Promise<Entry> {
    let p = this.inflight.get(sharedKey);
    if (p) return p;
    p = this.read(sharedKey).finally(() => {
      if (this.inflight.get(sharedKey) === p) this.inflight.delete(sharedKey);
    });
    this.inflight.set(sharedKey, p);
    return p;
  }

  private async read(sharedKey: string): Promise<Entry> {
    const startedAt = this.mono();
    const epoch = this.epoch;
    this.stats.loads++;
    const rec = await this.store.find(sharedKey);
    const entry: Entry = rec ? this.build(rec, startedAt) : { found: false, validatedAt: startedAt, lastHitAt: startedAt };
    if (epoch === this.epoch) this.put(sharedKey, entry);
    return entry;
  }

  private build(rec: CredentialRecord, at: number): FoundEntry {
    // Retired endpoints are no longer in the directory (nor in the matcher): they are not offered.
    const live = [...new Set(rec.endpointIds)].filter((id) => this.endpointSource.get(id) !== undefined).sort();
    return {
      found: true,
      credentialId: rec.credentialId,
      appPublicId: rec.appPublicId,
      environment: rec.environment,
      secretHash: rec.secretHash,
      checkSecret: secretChecker(rec.secretHash, this.pepper),
      revoked: rec.status !== "ACTIVE" || rec.appArchived,
      revokeAtMs: rec.revokeAt ? rec.revokeAt.getTime() : null,
      endpointIds: new Set(live),
      endpoints: Object.freeze(live),
      fingerprint: fingerprint(rec),
      validatedAt: at,
      lastHitAt: at,
    };
  }

  private put(sharedKey: string, entry: Entry): void {
    this.drop(sharedKey);
    if (!entry.found) {
      if (this.negatives >= this.maxNegativeEntries) return;
      this.negatives++;
    }
    if (this.cache.size >= this.maxEntries) {
      // Oldest insertion first; a hot key evicted here is simply read again.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.drop(oldest.value);
    }
    this.cache.set(sharedKey, entry);
    this.stats.cached = this.cache.size;
  }

  private drop(sharedKey: string): boolean {
    const e = this.cache.get(sharedKey);
    if (!e) return false;
    if (!e.found) this.negatives--;
    this.cache.delete(sharedKey);
    this.stats.cached = this.cache.size;
    return true;
  }

  private endpointMatcher(): EndpointMatcher {
    const rows = this.endpointSource.all();
    if (!this.matcher || this.matcherRows !== rows) {
      this.matcher = new EndpointMatcher(rows);
      this.matcherRows = rows;
    }
    return this.matcher;
  }

  private malformed(caller: string, now: number): VerifyOutcome {
    const blockedMs = this.callerFailures.blockedFor(caller, now);
    const nowBlocked = this.callerFailures.record(caller, now);
    if (blockedMs > 0) return throttled(blockedMs, "caller");
    if (nowBlocked) this.logger?.warn({ caller }, "a verify caller sends many malformed keys: throttling its malformed requests");
    return MALFORMED;
  }
}

/**
 * The database-backed store: one round trip for one key or many (credential, its app and the
 * app's endpoints in a single statement; endpoint ids never contain commas).
 */
export function prismaCredentialStore(prisma: PrismaClient): CredentialStore {
  interface Row {
    id: string;
    sharedKey: string;
    environment: Environment;
    secretHash: string;
    status: "ACTIVE" | "REVOKED";
    revokeAt: Date | null;
    publicId: string;
    archived: boolean;
    endpoints: string;
  }
  const query = (keys: string[]) => prisma.$queryRaw<Row[]>`
    SELECT c.id, c."sharedKey", c.environment::text AS environment, c."secretHash", c.status::text AS status,
           c."revokeAt", a."publicId", (a."archivedAt" IS NOT NULL) AS archived,
           COALESCE((SELECT string_agg(ae."endpointId", ',') FROM app_endpoint ae WHERE ae."appId" = c."appId"), '') AS endpoints
    FROM credential c JOIN app a ON a.id = c."appId"
    WHERE c."sharedKey" = ANY(${keys}::text[])`;
  const toRecord = (r: Row): CredentialRecord => ({
    sharedKey: r.sharedKey,
    credentialId: r.id,
    appPublicId: r.publicId,
    environment: r.environment,
    secretHash: r.secretHash,
    status: r.status,
    revokeAt: r.revokeAt,
    appArchived: r.archived,
    endpointIds: r.endpoints ? r.endpoints.split(",") : [],
  });
  return {
    async find(sharedKey) {
      const rows = await query([sharedKey]);
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async findMany(sharedKeys) {
      if (sharedKeys.length === 0) return [];
      return (await query(sharedKeys)).map(toRecord);
    },
  };
}

function fingerprint(r: CredentialRecord): string {
  return [
    r.credentialId,
    r.appPublicId,
    r.environment,
    r.secretHash,
    r.status,
    r.revokeAt ? r.revokeAt.getTime() : "",
    r.appArchived ? 1 : 0,
    [...r.endpointIds].sort().join(","),
  ].join("|");
}

const NOT_FOUND: VerifyOutcome = Object.freeze({ kind: "answer", answer: Object.freeze({ valid: false, code: "NOT_FOUND" }) });
const REVOKED: VerifyOutcome = Object.freeze({ kind: "answer", answer: Object.freeze({ valid: false, code: "REVOKED" }) });
const ENDPOINT_NOT_ALLOWED: VerifyOutcome = Object.freeze({
  kind: "answer",
  answer: Object.freeze({ valid: false, code: "ENDPOINT_NOT_ALLOWED" }),
});
const MALFORMED: VerifyOutcome = Object.freeze({ kind: "answer", answer: Object.freeze({ valid: false, code: "MALFORMED" }) });

const SHA256_HASH = /^sha256:([0-9a-f]{64})$/;
// One-shot hashing (Node ≥ 20.12) skips a Hash object per call; older Nodes use createHash.
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: string, enc: "buffer") => Buffer }).hash;

/**
 * The same answer as keys.ts verifySecret(secret, storedHash, pepper) — which it falls back to
 * for anything but plain `sha256:` hashes — with the stored hash parsed once per cache entry
 * instead of on every call. Still a constant-time comparison of two 32-byte digests.
 */
export function secretChecker(storedHash: string, pepper?: string): (secret: string) => boolean {
  const m = SHA256_HASH.exec(storedHash);
  if (!m) return (secret) => verifySecret(secret, storedHash, pepper);
  const expected = Buffer.from(m[1]!, "hex");
  const digest = oneShotHash
    ? (secret: string) => oneShotHash("sha256", secret, "buffer")
    : (secret: string) => nodeCrypto.createHash("sha256").update(secret, "utf8").digest();
  return (secret) => typeof secret === "string" && nodeCrypto.timingSafeEqual(digest(secret), expected);
}

function answer(a: VerifyAnswer): VerifyOutcome {
  return { kind: "answer", answer: a };
}

function throttled(ms: number, reason: "secret" | "caller"): VerifyOutcome {
  return { kind: "throttled", retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)), reason };
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Sliding-window failure log per key: the last `max` failure times. A key is blocked while its
 * `max`-th most recent failure is inside the window. Memory is bounded: stale keys are swept
 * when the map grows, and past a hard cap the oldest keys go first.
 */
export class FailureWindow {
  private readonly log = new Map<string, number[]>();
  private static readonly SWEEP_AT = 10_000;
  private static readonly HARD_CAP = 100_000;

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` may fail again without being throttled; 0 when not blocked. */
  blockedFor(key: string, now: number): number {
    const times = this.log.get(key);
    if (!times || times.length < this.max) return 0;
    const until = times[0]! + this.windowMs;
    return until > now ? until - now : 0;
  }

  /** Records a failure; true when `key` is blocked afterwards. */
  record(key: string, now: number): boolean {
    let times = this.log.get(key);
    if (!times) {
      if (this.log.size >= FailureWindow.SWEEP_AT) this.sweep(now);
      times = [];
      this.log.set(key, times);
    }
    times.push(now);
    if (times.length > this.max) times.shift();
    return this.blockedFor(key, now) > 0;
  }

  get size(): number {
    return this.log.size;
  }

  private sweep(now: number): void {
    for (const [key, times] of this.log) {
      if (times[times.length - 1]! + this.windowMs <= now) this.log.delete(key);
    }
    for (const key of this.log.keys()) {
      if (this.log.size < FailureWindow.HARD_CAP) break;
      this.log.delete(key);
    }
  }
}
