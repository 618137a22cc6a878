import type { webApi } from "@slack/bolt";
import type { Services } from "../../services.js";

/**
 * A background loop (audit delivery, schedules). start() must return at once. Workers keep their
 * state in the database, so any replica may run them and a crash loses nothing. The list of the
 * app's workers is in src/app.ts.
 */
export interface Worker {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

export type WorkerFactory = (s: Services, client: webApi.WebClient) => Worker;
