import type { ServerResponse } from "node:http";

/**
 * A cap on verify requests in progress (from authentication until the answer is sent or the
 * connection closes). Each one is cheap, so what the cap bounds is memory and sockets held by
 * slow or stuck clients: past it, a request is refused at once (503 + Retry-After) instead of
 * queuing behind the others.
 */
export class ConcurrencyGuard {
  private active = 0;
  private readonly leave = () => {
    this.active--;
  };

  constructor(readonly max: number) {}

  /** Counts `res` until it closes; false (nothing counted) when `max` requests are in progress. */
  enter(res: ServerResponse): boolean {
    if (this.active >= this.max) return false;
    this.active++;
    // 'close' is emitted once: on() spares the wrapper once() builds per call.
    res.on("close", this.leave);
    return true;
  }

  get inProgress(): number {
    return this.active;
  }
}
