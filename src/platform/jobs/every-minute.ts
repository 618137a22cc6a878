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
