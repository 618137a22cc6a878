/**
 * Bounded in-memory counters for refusing work: a sliding window of failures per key (wrong
 * secrets per shared key, malformed keys per caller) and a tally of refused calls that the
 * service logs once per interval instead of once per call.
 */

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

/** Why a verify call got no verdict. */
export type RefusalReason = "overloaded" | "starting" | "stale" | "throttledSecret" | "throttledCaller" | "tooLarge";

/** Counts refused calls; take() returns the counts since the last take (null when none). */
export class RefusalCounter {
  private counts: Record<RefusalReason, number> = RefusalCounter.zero();
  private any = false;
  /** Since start, for stats and tests. */
  readonly total: Record<RefusalReason, number> = RefusalCounter.zero();

  count(reason: RefusalReason): void {
    this.counts[reason]++;
    this.total[reason]++;
    this.any = true;
  }

  take(): Partial<Record<RefusalReason, number>> | null {
    if (!this.any) return null;
    const out: Partial<Record<RefusalReason, number>> = {};
    for (const [k, v] of Object.entries(this.counts) as [RefusalReason, number][]) if (v > 0) out[k] = v;
    this.counts = RefusalCounter.zero();
    this.any = false;
    return out;
  }

  private static zero(): Record<RefusalReason, number> {
    return { overloaded: 0, starting: 0, stale: 0, throttledSecret: 0, throttledCaller: 0, tooLarge: 0 };
  }
}
