import cron from "node-cron";

/** A running minute schedule; destroy() stops it (a run in progress is not interrupted). */
export interface MinuteTask {
  destroy(): Promise<void> | void;
}

interface CronLogger {
  info(m: string): void;
  warn(m: string): void;
  error(m: string | Error, err?: Error): void;
  debug(m: string): void;
}

/**
 * Runs `fn` at the start of every minute in `timezone`, without overlapping itself and without
 * keeping the process alive. Features' workers decide per minute what is due (their schedules
 * are cron-parser expressions claimed in job_run, src/platform/jobs/scheduler.ts); this is the
 * one place node-cron is used.
 */
export function everyMinute(fn: () => unknown, opts: { name: string; timezone: string; logger?: CronLogger }): MinuteTask {
  return cron.schedule("* * * * *", () => fn(), {
    timezone: opts.timezone,
    name: opts.name,
    noOverlap: true,
    unref: true,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}

/**
 * A background worker whose whole schedule is "every minute, see what is due": one tick at a
 * time per process (a tick still running when the next minute comes is not doubled), stopped
 * by aborting the jobs and waiting for the tick in progress.
 */
export class MinuteWorker {
  private task: MinuteTask | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    readonly name: string,
    private readonly opts: {
      timezone: string;
      tick: () => Promise<unknown>;
      abort: () => void;
      onError: (err: unknown) => void;
    },
  ) {}

  start(): void {
    if (this.task) return;
    this.task = everyMinute(
      () => {
        this.running ??= this.opts
          .tick()
          .catch(this.opts.onError)
          .finally(() => {
            this.running = undefined;
          });
      },
      { timezone: this.opts.timezone, name: `appkeys-${this.name}` },
    );
  }

  async stop(): Promise<void> {
    this.opts.abort();
    const task = this.task;
    this.task = undefined;
    await task?.destroy();
    await this.running?.catch(() => undefined);
  }
}
