import type { Logger } from "../logger.js";
import { currentRequestId } from "./request-context.js";

/** Error codes after which the process cannot be trusted to go on: out of descriptors or memory. */
const UNSOUND_CODES = new Set(["EMFILE", "ENFILE", "ENOMEM", "ERR_WORKER_OUT_OF_MEMORY"]);
/** This many failures within a minute means something is broken for good, not one bad request. */
const STORM = { count: 20, windowMs: 60_000 };
/** A stop that hangs must not keep an unsound process alive. */
const EXIT_DEADLINE_MS = 10_000;

export interface ProcessHandlerOptions {
  /** Graceful stop before an exit (server, workers, database); bounded by a deadline. */
  stop?: () => Promise<unknown>;
}

/**
 * Last-resort handlers for unhandled promise rejections and uncaught exceptions: one error line,
 * with the Slack request's id when the failure happened while serving one, and the process keeps
 * serving. It stops (cleanly: stop(), then exit code 1) only when it is unsound: out of file
 * descriptors or memory, or failing over and over. Returns a function that removes the handlers.
 */
export function installProcessHandlers(logger: Logger, opts: ProcessHandlerOptions = {}): () => void {
  const recent: number[] = [];
  let exiting = false;

  const handle = (kind: string) => (reason: unknown) => {
    const err = reason instanceof Error ? reason : new Error(`non-error value: ${String(reason).slice(0, 200)}`);
    const now = Date.now();
    recent.push(now);
    while (recent.length && recent[0]! < now - STORM.windowMs) recent.shift();
    const code = (err as { code?: unknown }).code;
    const unsound = UNSOUND_CODES.has(String(code)) || recent.length >= STORM.count;
    logger.error(
      { requestId: currentRequestId(), err, unsound },
      `${kind}: ${unsound ? "the process is unsound and stops" : "logged, still serving"}`,
    );
    if (!unsound || exiting) return;
    exiting = true;
    setTimeout(() => process.exit(1), EXIT_DEADLINE_MS).unref();
    Promise.resolve()
      .then(() => opts.stop?.())
      .catch(() => {})
      // pino writes asynchronously: flush, or the last lines (the stop's own) are lost at exit.
      .finally(() => logger.flush(() => process.exit(1)));
  };

  const onRejection = handle("unhandled promise rejection");
  const onException = handle("uncaught exception");
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
