/** VerifyService's options, defaults and statistics. */
import type { Clock } from "../../shared/clock.js";
import type { EndpointSource } from "./endpoint-sets.js";
import type { SyncLogger, SyncStats } from "./index-sync.js";
import type { CredentialStore } from "./store.js";
import type { RefusalReason } from "./throttle.js";

export type VerifyLogger = SyncLogger;

export interface WindowLimit {
  max: number;
  windowMs: number;
}

export interface VerifyServiceOptions {
  store: CredentialStore;
  /** Business time: grace periods and throttle windows. */
  clock: Clock;
  /** Monotonic milliseconds for freshness and intervals (default performance.now). */
  monotonic?: () => number;
  pepper?: string;
  endpoints: EndpointSource;
  logger?: VerifyLogger;
  /** Reconcile interval. */
  pollIntervalMs?: number;
  /** No verdict from an index not confirmed current for this long. */
  maxStaleMs?: number;
  /** Full reload interval. */
  reloadIntervalMs?: number;
  /** Credentials per page of a full load. */
  pageSize?: number;
  /** How long start() waits for the first load before returning (the load goes on). */
  startWaitMs?: number;
  /** Interval of the refused-calls log line. */
  refusalLogMs?: number;
  secretFailures?: WindowLimit;
  callerFailures?: WindowLimit;
}

export const VERIFY_DEFAULTS = {
  pollIntervalMs: 250,
  maxStaleMs: 1000,
  reloadIntervalMs: 30 * 60_000,
  pageSize: 20_000,
  startWaitMs: 2000,
  refusalLogMs: 10_000,
  secretFailures: { max: 10, windowMs: 60_000 },
  callerFailures: { max: 1000, windowMs: 10_000 },
} as const;

export interface VerifyStats extends SyncStats {
  /** Verdicts looked up in the index. */
  hits: number;
  /** Credentials in the index. */
  indexed: number;
  /** Memory the index holds, bytes. */
  indexBytes: number;
  /** Refused calls since start, per reason. */
  refused: Record<RefusalReason, number>;
}
