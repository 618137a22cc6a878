import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/** What every log line about one incoming request can name. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** A short id people can read out and find in the logs. */
export function newRequestId(): string {
  return randomUUID().slice(0, 8);
}

/** Runs `fn` (and everything it starts) as part of the request `requestId`. */
export function runInRequest<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

/**
 * The id of the request the caller is working for, if any. Node keeps it across awaits, timers
 * and into the process's unhandledRejection / uncaughtException handlers.
 */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
