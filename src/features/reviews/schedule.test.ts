import { describe, expect, it } from "vitest";
import { ReviewSchedule, isFirstWeekday } from "./schedule.js";

describe("access review schedule", () => {
  it("defaults to 09:00 on the first weekday of each quarter, in TZ", () => {
    const s = new ReviewSchedule(undefined, "Europe/Berlin");
    // 1 Jan 2028 is a Saturday: the review starts Monday 3 January.
    expect(s.latestFire(new Date("2028-01-02T12:00:00Z"))).toBeUndefined();
    expect(s.latestFire(new Date("2028-01-03T08:00:00Z"))?.toISOString()).toBe("2028-01-03T08:00:00.000Z");
    expect(s.latestFire(new Date("2028-01-05T08:00:00Z"))?.toISOString()).toBe("2028-01-03T08:00:00.000Z");
    // 1 April 2026 is a Wednesday (CEST).
    expect(s.latestFire(new Date("2026-04-01T06:59:00Z"))).toBeUndefined();
    expect(s.latestFire(new Date("2026-04-03T10:00:00Z"))?.toISOString()).toBe("2026-04-01T07:00:00.000Z");
    // Long after: nothing to catch up.
    expect(s.latestFire(new Date("2026-05-01T10:00:00Z"))).toBeUndefined();
  });

  it("knows the first weekday of a month", () => {
    const tz = "UTC";
    expect(isFirstWeekday(new Date("2026-08-03T09:00:00Z"), tz)).toBe(true); // 1 Aug is Saturday
    expect(isFirstWeekday(new Date("2026-08-01T09:00:00Z"), tz)).toBe(false);
    expect(isFirstWeekday(new Date("2026-02-02T09:00:00Z"), tz)).toBe(true); // 1 Feb is Sunday
    expect(isFirstWeekday(new Date("2026-01-02T09:00:00Z"), tz)).toBe(false); // 1 Jan is Thursday
  });

  it("uses ACCESS_REVIEW_CRON as it is when set", () => {
    const s = new ReviewSchedule("30 8 * * 1", "UTC");
    expect(s.latestFire(new Date("2026-04-08T00:00:00Z"))?.toISOString()).toBe("2026-04-06T08:30:00.000Z");
  });
});
