import type { webApi } from "@slack/bolt";
import type { Services } from "./services.js";
import { auditWorker } from "./workers/audit.js";
import { lastUsedWorker } from "./workers/last-used.js";
import { rotationWorker } from "./workers/rotation.js";

/** A background loop (audit delivery, schedules). start() must return at once. */
export interface Worker {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

export type WorkerFactory = (s: Services, client: webApi.WebClient) => Worker;

/**
 * Every background worker of the app. Each feature adds its factory here; workers keep their
 * state in the database, so any replica may run them and a crash loses nothing.
 */
export const workerFactories: WorkerFactory[] = [];
workerFactories.push(auditWorker);
workerFactories.push(lastUsedWorker);
workerFactories.push(rotationWorker);
