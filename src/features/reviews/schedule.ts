import { type CronExpression, CronExpressionParser } from "cron-parser";

/** 09:00 on days 1–3 of each quarter's first month; the first weekday among them is the fire. */
export const DEFAULT_REVIEW_CRON = "0 9 1-3 1,4,7,10 *";
const LOOKBACK_MS = 8 * 24 * 60 * 60_000;

const weekdayFormat = new Map<string, Intl.DateTimeFormat>();
function localParts(d: Date, tz: string): { day: number; weekday: string } {
  let f = weekdayFormat.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, day: "numeric", weekday: "short" });
    weekdayFormat.set(tz, f);
  }
  const parts = f.formatToParts(d);
  return {
    day: Number(parts.find((p) => p.type === "day")?.value),
    weekday: parts.find((p) => p.type === "weekday")?.value ?? "",
  };
}

/** True when `d` (in `tz`) is the first Monday–Friday of its month. */
export function isFirstWeekday(d: Date, tz: string): boolean {
  const { day, weekday } = localParts(d, tz);
  if (weekday === "Sat" || weekday === "Sun") return false;
  // Day 1 on a weekday; else the Monday after a weekend start (day 2 or 3).
  return day === 1 || (weekday === "Mon" && day <= 3);
}

/**
 * When quarterly access reviews start: ACCESS_REVIEW_CRON when set (plain cron, in TZ), else 09:00
 * on the first weekday of January, April, July and October (cron cannot say "first weekday", so
 * the default is days 1–3 filtered to that one day). latestFire works like the rotation schedule:
 * the most recent fire at or before now, within a week, so a fire missed while every replica was
 * down is caught up and the job_run claim makes it happen once.
 */
export class ReviewSchedule {
  private readonly cron: CronExpression;
  private readonly firstWeekdayOnly: boolean;

  constructor(
    expression: string | undefined,
    readonly timeZone: string,
  ) {
    this.firstWeekdayOnly = expression === undefined;
    this.cron = CronExpressionParser.parse(expression ?? DEFAULT_REVIEW_CRON, { tz: timeZone });
  }

  latestFire(now: Date): Date | undefined {
    const floor = Math.floor(now.getTime() / 60_000) * 60_000 - LOOKBACK_MS;
    this.cron.reset(new Date(now.getTime() + 1));
    for (let i = 0; i < 10; i++) {
      const fire = this.cron.prev().toDate();
      if (fire.getTime() < floor) return undefined;
      if (!this.firstWeekdayOnly || isFirstWeekday(fire, this.timeZone)) return fire;
    }
    return undefined;
  }
}
