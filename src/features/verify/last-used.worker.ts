import type { Worker, WorkerFactory } from "../../platform/jobs/worker.js";
import type { Services } from "../../services.js";

/** How often used credential ids are written (the column's promise: at most once a minute). */
export const LAST_USED_FLUSH_MS = 30_000;
/** A credential's lastUsedAt is rewritten only when the stored value is older than this. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Ids per UPDATE statement. */
const FLUSH_CHUNK = 5000;

/**
 * Writes "last used" for the credentials that verified since the last flush: one UPDATE per
 * 5000 ids. The WHERE clause keeps it to one write per credential per minute across every
 * replica. Returns how many rows changed. On failure the unwritten ids are kept for the next flush.
 */
export async function flushLastUsed(s: Pick<Services, "db" | "clock" | "verify">): Promise<number> {
  const ids = s.verify.takeUsed();
  if (ids.length === 0) return 0;
  const now = s.clock();
  const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  let changed = 0;
  for (let i = 0; i < ids.length; i += FLUSH_CHUNK) {
    const chunk = ids.slice(i, i + FLUSH_CHUNK);
    try {
      changed += await s.db.prisma.$executeRaw`
        UPDATE credential SET "lastUsedAt" = ${now}
        WHERE id = ANY(${chunk}::text[]) AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ${cutoff})`;
    } catch (err) {
      s.verify.restoreUsed(ids.slice(i));
      throw err;
    }
  }
  return changed;
}

export class LastUsedWorker implements Worker {
  readonly name = "last-used";
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly s: Pick<Services, "db" | "clock" | "verify" | "logger">,
    private readonly intervalMs = LAST_USED_FLUSH_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.flush();
  }

  private flush(): Promise<unknown> {
    if (this.running) return this.running;
    this.running = flushLastUsed(this.s)
      .catch((err: unknown) => this.s.logger.warn({ err }, "could not record when keys were last used; retrying on the next flush"))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}

export const lastUsedWorker: WorkerFactory = (s) => new LastUsedWorker(s);
