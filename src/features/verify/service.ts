/**
 * Key verification for API gateways: "is this shared key + secret key pair valid, and may it call
 * this endpoint?" Pure of HTTP: src/features/verify/http/route.ts maps requests and answers.
 *
 * Every verdict comes from memory, with no database round trip on the hot path: two checksum
 * parses, one fingerprint lookup in the credential index (credential-index.ts), one
 * constant-time digest comparison. The keys a gateway asks about are chosen by the internet, so
 * an unknown key must cost no more than a known one. The index holds every credential that
 * exists, loaded at start and kept current by index-sync.ts (notifications plus a reconcile every
 * 250 ms); a revocation or a new key is seen by every replica within 1 second.
 *
 * Until the first load is done, and whenever the index has not been confirmed current for
 * `maxStaleMs` (the database is out of reach), verifications get no verdict ("unavailable", HTTP
 * 503 with Retry-After) rather than a possibly wrong one.
 *
 * Grace periods: an ACTIVE key with revokeAt set is valid strictly before revokeAt and refused
 * from revokeAt on, whether or not the scheduler has flipped its status yet (the business clock
 * decides, so tests can walk time).
 *
 * Throttling (per replica, in memory; throttle.ts):
 * - Wrong secrets for an existing shared key are counted in a sliding window (10 per minute by
 *   default). Past the limit, a request whose secret is wrong gets "throttled" (HTTP 429 with
 *   Retry-After), but the secret is still checked first, in constant time, and a request with
 *   the right secret is answered normally: an attacker hammering someone's shared key cannot lock
 *   the owner out. With ~190 bits of secret, guessing is hopeless anyway; the throttle is
 *   back-pressure and a signal (logged once per window per key) that someone is trying.
 * - Per caller (verify token + remote address), MALFORMED answers are counted too (1000 per 10 s
 *   by default); past that, further malformed requests from that caller get 429.
 * - Refused calls (throttled, unavailable, and the HTTP layer's 503/413) are counted and logged
 *   once per `refusalLogMs`, never once per call.
 *
 * Last use: ids of credentials that verified as valid are collected in memory; the last-used
 * worker (src/features/verify/last-used.worker.ts) writes them in one batched UPDATE.
 */
import type { Database } from "../../platform/db/database.js";
import type { Clock } from "../../shared/clock.js";
import { parseKey } from "../credentials/key-format.js";
import { CREDENTIAL_CHANNEL } from "../credentials/notify.js";
import { ValidAnswers } from "./answers.js";
import type { CredentialIndex } from "./credential-index.js";
import { EndpointSets } from "./endpoint-sets.js";
import { IndexSync } from "./index-sync.js";
import { VERIFY_DEFAULTS, type VerifyLogger, type VerifyServiceOptions, type VerifyStats } from "./options.js";
import { FailureWindow, RefusalCounter, type RefusalReason } from "./throttle.js";
import {
  ENDPOINT_NOT_ALLOWED,
  MALFORMED,
  NOT_FOUND,
  REVOKED,
  throttled,
  unavailable,
  type VerifyInput,
  type VerifyOutcome,
} from "./verdicts.js";

export type { VerifyInput, VerifyOutcome } from "./verdicts.js";
export { sqlCredentialStore, type CredentialRecord, type CredentialStore } from "./store.js";
export { FailureWindow } from "./throttle.js";
export type { VerifyLogger, VerifyServiceOptions, VerifyStats } from "./options.js";

/** Longest a request waits for a notified change of its own shared key to be applied. */
const SETTLE_WAIT_MS = 500;

export class VerifyService {
  private readonly clock: Clock;
  private readonly mono: () => number;
  private readonly pepper?: string;
  private readonly logger?: VerifyLogger;
  private readonly maxStaleMs: number;
  private readonly startWaitMs: number;
  private readonly refusalLogMs: number;
  private readonly sets: EndpointSets;
  private readonly sync: IndexSync;
  private readonly secretFailures: FailureWindow;
  private readonly callerFailures: FailureWindow;
  private readonly refusals = new RefusalCounter();
  private used = new Set<string>();
  private hits = 0;

  private readonly answers: ValidAnswers;

  private refusalTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(o: VerifyServiceOptions) {
    this.clock = o.clock;
    this.mono = o.monotonic ?? (() => performance.now());
    this.pepper = o.pepper;
    this.logger = o.logger;
    this.maxStaleMs = o.maxStaleMs ?? VERIFY_DEFAULTS.maxStaleMs;
    this.startWaitMs = o.startWaitMs ?? VERIFY_DEFAULTS.startWaitMs;
    this.refusalLogMs = o.refusalLogMs ?? VERIFY_DEFAULTS.refusalLogMs;
    this.sets = new EndpointSets(o.endpoints);
    this.answers = new ValidAnswers(this.sets);
    this.sync = new IndexSync({
      store: o.store,
      sets: this.sets,
      logger: o.logger,
      monotonic: this.mono,
      pollIntervalMs: o.pollIntervalMs ?? VERIFY_DEFAULTS.pollIntervalMs,
      reloadIntervalMs: o.reloadIntervalMs ?? VERIFY_DEFAULTS.reloadIntervalMs,
      pageSize: o.pageSize ?? VERIFY_DEFAULTS.pageSize,
    });
    const sf = o.secretFailures ?? VERIFY_DEFAULTS.secretFailures;
    const cf = o.callerFailures ?? VERIFY_DEFAULTS.callerFailures;
    this.secretFailures = new FailureWindow(sf.max, sf.windowMs);
    this.callerFailures = new FailureWindow(cf.max, cf.windowMs);
  }

  /**
   * Subscribes to credential changes, starts loading and keeping the index current, and waits
   * for the first load up to startWaitMs (a large database keeps loading; until then: 503).
   */
  async start(db: Pick<Database, "listen">): Promise<void> {
    if (!this.unlisten) {
      try {
        this.unlisten = await db.listen(CREDENTIAL_CHANNEL, (payload) => this.onChange(payload));
      } catch (err) {
        // Not fatal: the reconcile rounds alone keep the index within pollIntervalMs.
        this.logger?.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "verification index: LISTEN failed; relying on reconciles",
        );
      }
    }
    this.sync.start();
    if (!this.refusalTimer) {
      this.refusalTimer = setInterval(() => this.logRefusals(), this.refusalLogMs);
      this.refusalTimer.unref();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sync.whenLoaded(), new Promise((r) => (timer = setTimeout(r, this.startWaitMs)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    if (this.refusalTimer) clearInterval(this.refusalTimer);
    this.refusalTimer = undefined;
    this.logRefusals();
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => undefined);
    await this.sync.stop();
  }

  /** True once the index is loaded (verdicts can be given). */
  get ready(): boolean {
    return this.sync.index !== null;
  }

  whenReady(): Promise<void> {
    return this.sync.whenLoaded();
  }

  /** Whether the index holds a credential with this shared key (no verdict, no side effects). */
  indexed(sharedKey: string): boolean {
    return (this.sync.index?.find(sharedKey) ?? -1) >= 0;
  }

  get stats(): VerifyStats {
    const index = this.sync.index;
    return {
      hits: this.hits,
      indexed: index?.size ?? 0,
      indexBytes: index?.bytes() ?? 0,
      ...this.sync.stats,
      refused: { ...this.refusals.total },
    };
  }

  /** Like verifyNow(), but loads (or refreshes) the index first when it is not kept current by start(). */
  async verify(input: VerifyInput, caller: string): Promise<VerifyOutcome> {
    await this.sync.ensureFresh(this.maxStaleMs);
    return await this.verifyNow(input, caller);
  }

  /**
   * The hot path: never reads the database, and synchronous unless a change notification named
   * this very shared key and is still being applied (then it waits for that, at most
   * SETTLE_WAIT_MS, so a key is usable as soon as its creation is announced).
   */
  verifyNow(input: VerifyInput, caller: string, wait = true): VerifyOutcome | Promise<VerifyOutcome> {
    const shared = parseKey(input.sharedKey);
    const secret = parseKey(input.secretKey);
    if (shared?.kind !== "shared" || !secret || secret.kind !== "secret" || shared.environment !== secret.environment) {
      return this.malformed(caller, this.clock().getTime());
    }
    const index = this.sync.index;
    if (index === null) {
      this.refusals.count("starting");
      return unavailable(this.sync.retryAfterSeconds(), "starting");
    }
    if (this.mono() - this.sync.confirmedAt > this.maxStaleMs) {
      this.refusals.count("stale");
      return unavailable(1, "stale");
    }
    if (wait) {
      const settling = this.sync.settling(input.sharedKey);
      if (settling) return withTimeout(settling, SETTLE_WAIT_MS).then(() => this.verifyNow(input, caller, false));
    }
    this.hits++;
    let row = index.find(input.sharedKey);
    if (row < 0) return NOT_FOUND;
    if (index.isAmbiguous(row)) {
      // Two credentials share this fingerprint: the one whose secret matches, if any.
      const rows = index.candidates(input.sharedKey);
      row = rows.find((r) => index.secretMatches(r, input.secretKey, this.pepper)) ?? rows[0]!;
    }
    return this.decide(index, row, input, caller);
  }

  private decide(index: CredentialIndex, row: number, input: VerifyInput, caller: string): VerifyOutcome {
    const now = this.clock().getTime();
    // Read before recording this failure: the request that reaches the limit is still answered.
    const blockedMs = this.secretFailures.blockedFor(input.sharedKey, now);
    if (!index.secretMatches(row, input.secretKey, this.pepper)) {
      const nowBlocked = this.secretFailures.record(input.sharedKey, now);
      if (nowBlocked && blockedMs === 0) {
        this.logger?.warn(
          { sharedKey: input.sharedKey, credentialId: index.credentialId(row), caller },
          "repeated wrong secrets for a shared key: throttling wrong secrets (the right one still works)",
        );
      }
      if (blockedMs > 0) {
        this.refusals.count("throttledSecret");
        return throttled(blockedMs, "secret");
      }
      // A wrong secret reads like an unknown key: it tells a guesser nothing about the key's state.
      return NOT_FOUND;
    }
    if (index.refusedAt(row, now)) return REVOKED;
    if (input.endpoint !== undefined) {
      // The HTTP layer rejects unparseable endpoints with 400; here they simply match nothing.
      const id = this.sets.match(input.endpoint);
      if (id === null || !this.sets.liveSet(index.endpointSet(row)).ids.has(id)) return ENDPOINT_NOT_ALLOWED;
      const valid = this.answers.withEndpoint(index, this.sync.generation, row, id);
      this.used.add(valid.answer.credentialId);
      return valid;
    }
    const valid = this.answers.get(index, this.sync.generation, row);
    this.used.add(valid.answer.credentialId);
    return valid;
  }

  private malformed(caller: string, now: number): VerifyOutcome {
    const blockedMs = this.callerFailures.blockedFor(caller, now);
    const nowBlocked = this.callerFailures.record(caller, now);
    if (blockedMs > 0) {
      this.refusals.count("throttledCaller");
      return throttled(blockedMs, "caller");
    }
    if (nowBlocked) this.logger?.warn({ caller }, "a verify caller sends many malformed keys: throttling its malformed requests");
    return MALFORMED;
  }

  // ------------------------------------------------------------------------- index upkeep

  /** A notification payload from CREDENTIAL_CHANNEL: re-read what it names (every change if unreadable). */
  onChange(payload: string): void {
    type Change = { sharedKey?: unknown; credentialId?: unknown } | null;
    let change: Change = null;
    try {
      change = JSON.parse(payload) as Change;
    } catch {
      // unreadable: reconcile everything
    }
    const sharedKey = typeof change?.sharedKey === "string" ? change.sharedKey : undefined;
    this.sync.changed(sharedKey, typeof change?.credentialId === "string" ? change.credentialId : undefined);
  }

  /** One reconcile round now (normally on a timer after start()). */
  reconcile(): Promise<void> {
    return this.sync.reconcile();
  }

  /** A full reload now (normally every reloadIntervalMs after start()). */
  reload(): Promise<void> {
    return this.sync.reload();
  }

  // ----------------------------------------------------------------------- refusals, last use

  /** Counts a call refused before it reached a verdict (the HTTP layer's 503 and 413). */
  countRefusal(reason: RefusalReason): void {
    this.refusals.count(reason);
  }

  private logRefusals(): void {
    const refused = this.refusals.take();
    if (refused) this.logger?.warn({ refused, intervalSeconds: this.refusalLogMs / 1000 }, "verify refused calls (counts per reason)");
  }

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
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}
