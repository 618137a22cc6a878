import type { Logger } from "../logger.js";

/**
 * SIGTERM / SIGINT: a graceful stop (no new requests, requests and Slack listeners in flight
 * finish, the worker post in progress finishes), bounded: after `hardMs` the process exits
 * anyway. A second signal exits at once. Returns whether a stop has begun.
 */
export function exitOnSignals(stop: (graceMs: number) => Promise<void>, logger: Logger, hardMs = 5000): () => boolean {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info(
      { signal },
      `shutting down: finishing requests in flight (${hardMs / 1000} s at most; send ${signal} again to exit at once)`,
    );
    setTimeout(() => {
      logger.error(`shutdown took longer than ${hardMs / 1000} s; exiting`);
      process.exit(1);
    }, hardMs).unref();
    stop(Math.max(0, hardMs - 1000)).then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: { message: (err as Error).message } }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return () => stopping;
}
