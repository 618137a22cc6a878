import { describe, expect, it } from "vitest";
import { daysLeft, localDay, rotationTimeZone, stageFor, stageRank, validateSnooze, type Digest, type DigestKey } from "./service.js";
import { CronSchedule, createPacer, slotOf } from "../../platform/jobs/scheduler.js";
import { validateSettings } from "../settings/admin.js";
import {
  MAX_KEYS_WITH_BUTTONS,
  MESSAGE_MAX_BLOCKS,
  digestMessages,
  reminderMessages,
  textLength,
  type ReminderItem,
} from "./slack/blocks.js";

const DAY = 86_400_000;

describe("stages", () => {
  it("maps days left to one 7-day window per stage, then one per overdue week", () => {
    const cases: Array<[number, string | null]> = [
      [30, null],
      [15, null],
      [14, "due-14"],
      [8, "due-14"],
      [7, "due-7"],
      [1, "due-7"],
      [0, "due"],
      [-6, "due"],
      [-7, "overdue:1"],
      [-13, "overdue:1"],
      [-14, "overdue:2"],
      [-20, "overdue:2"],
      [-21, "overdue:3"],
      [-700, "overdue:100"],
    ];
    for (const [dl, stage] of cases) expect(stageFor(dl), `daysLeft ${dl}`).toBe(stage);
  });

  it("never skips a stage with runs on weekdays only (gaps of at most 3 days)", () => {
    for (let startDl = 20; startDl > 13; startDl--) {
      // Runs every day except 2 of every 7 (a weekend), starting on any weekday offset.
      for (let offset = 0; offset < 7; offset++) {
        const seen: string[] = [];
        for (let dl = startDl, day = offset; dl > -40; dl--, day++) {
          if (day % 7 === 5 || day % 7 === 6) continue;
          const s = stageFor(dl);
          if (s && seen.at(-1) !== s) seen.push(s);
        }
        expect(seen.slice(0, 7)).toEqual(["due-14", "due-7", "due", "overdue:1", "overdue:2", "overdue:3", "overdue:4"]);
      }
    }
  });

  it("ranks stages by urgency", () => {
    expect(["overdue:2", "due-14", "due", "overdue:10", "due-7"].sort((a, b) => stageRank(a) - stageRank(b))).toEqual([
      "due-14",
      "due-7",
      "due",
      "overdue:2",
      "overdue:10",
    ]);
  });

  it("counts calendar days in the configured time zone, across DST", () => {
    const tz = "Europe/Berlin";
    // 23:30 UTC on 28 March is already 29 March (00:30 CET) in Berlin; DST starts that night.
    expect(localDay(new Date("2026-03-28T23:30:00Z"), tz) - localDay(new Date("2026-03-28T12:00:00Z"), tz)).toBe(1);
    const created = new Date("2026-01-05T08:00:00Z"); // Monday 09:00 in Berlin
    expect(daysLeft(created, 90, new Date("2026-04-05T07:00:00Z"), tz)).toBe(0); // due Sunday 5 April
    expect(daysLeft(created, 90, new Date("2026-04-06T07:00:00Z"), tz)).toBe(-1);
    expect(daysLeft(created, 90, new Date("2026-03-23T08:00:00Z"), tz)).toBe(13);
    expect(rotationTimeZone("Not/AZone")).not.toBe("Not/AZone");
    expect(rotationTimeZone("America/New_York")).toBe("America/New_York");
  });
});

describe("CronSchedule.latestFire", () => {
  it("finds the latest weekday 09:00 in the time zone, incrementally, and after the clock goes back", () => {
    const s = new CronSchedule("0 9 * * 1-5", "Europe/Berlin");
    // Saturday noon → Friday 09:00 CET (08:00Z).
    expect(s.latestFire(new Date("2026-01-10T11:00:00Z"))?.toISOString()).toBe("2026-01-09T08:00:00.000Z");
    expect(s.latestFire(new Date("2026-01-12T07:59:00Z"))?.toISOString()).toBe("2026-01-09T08:00:00.000Z");
    expect(s.latestFire(new Date("2026-01-12T08:00:30Z"))?.toISOString()).toBe("2026-01-12T08:00:00.000Z");
    // After DST: 09:00 CEST is 07:00Z.
    expect(s.latestFire(new Date("2026-03-30T07:00:00Z"))?.toISOString()).toBe("2026-03-30T07:00:00.000Z");
    // Back in time (tests do this): scanned again.
    expect(s.latestFire(new Date("2026-01-06T10:00:00Z"))?.toISOString()).toBe("2026-01-06T08:00:00.000Z");
    expect(slotOf(new Date("2026-01-06T08:00:42.123Z"))).toBe("2026-01-06T08:00:00.000Z");
  });

  it("gives nothing when the last fire is beyond the look-back, and rejects bad expressions", () => {
    const s = new CronSchedule("0 9 1 1 *", "UTC", 8 * DAY);
    expect(s.latestFire(new Date("2026-06-01T00:00:00Z"))).toBeUndefined();
    expect(s.latestFire(new Date("2026-01-03T00:00:00Z"))?.toISOString()).toBe("2026-01-01T09:00:00.000Z");
    expect(() => new CronSchedule("every day", "UTC")).toThrow(/invalid cron/);
  });
});

describe("pacer", () => {
  it("spaces posts per channel and overall, and honours Retry-After", async () => {
    let now = 0;
    const waits: Array<[string, number]> = [];
    const pacer = createPacer({
      perKeyMs: 1000,
      globalMs: 100,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    for (const key of ["A", "A", "B", "A", "C"]) {
      await pacer.wait(key);
      waits.push([key, now]);
    }
    expect(waits).toEqual([
      ["A", 0],
      ["A", 1000],
      ["B", 1100],
      ["A", 2000],
      ["C", 2100],
    ]);
    pacer.pause("C", 30_000);
    await pacer.wait("C");
    expect(now).toBe(32_100);
  });
});

function item(i: number, over: Partial<ReminderItem> = {}): ReminderItem {
  return {
    reminderId: `r${i}`,
    stage: i % 3 === 0 ? "overdue:1@U1" : i % 3 === 1 ? "due-7@U1" : "due-14@U1",
    daysLeft: i % 3 === 0 ? -9 : i % 3 === 1 ? 5 : 12,
    dueAt: new Date("2026-04-05T08:00:00Z"),
    credentialId: `cred_${String(i).padStart(12, "0")}`,
    environment: ["development", "staging", "production"][i % 3]!,
    label: i % 2 ? `label <${i}>` : "",
    sharedKey: `ak_dev_${String(i).padStart(30, "0")}`,
    createdAt: new Date("2026-01-05T08:00:00Z"),
    lastUsedAt: i % 4 === 0 ? null : new Date("2026-02-01T00:00:00Z"),
    appTitle: `App <@channel> ${i % 5}`,
    appPublicId: `app_${String(i % 5).padStart(12, "0")}`,
    ...over,
  };
}

function actionsOf(blocks: any[]): any[] {
  return blocks.filter((b) => b.type === "actions");
}

describe("reminderMessages", () => {
  it("lists every key once, most urgent first, with Rotate now / Revoke and Snooze", () => {
    const msgs = reminderMessages([item(1), item(2), item(3), item(4)], { rotationDays: 90 });
    expect(msgs).toHaveLength(1);
    const [m] = msgs;
    expect(m!.reminderIds.sort()).toEqual(["r1", "r2", "r3", "r4"]);
    const acts = actionsOf(m!.blocks);
    expect(acts.map((a) => a.block_id)).toEqual([
      "rotation_cred_000000000003",
      "rotation_cred_000000000001",
      "rotation_cred_000000000004",
      "rotation_cred_000000000002",
    ]);
    // Key 4 was never used: Revoke instead of Rotate now. Values are credential ids, never secrets.
    const four = acts[2].elements;
    expect(four.map((e: any) => [e.action_id, e.value, e.text.text])).toEqual([
      ["cred_revoke", "cred_000000000004", "Revoke"],
      ["cred_snooze", "cred_000000000004", "Snooze"],
    ]);
    expect(acts[0].elements[0]).toMatchObject({ action_id: "cred_rotate", value: "cred_000000000003", style: "primary" });
    const text = JSON.stringify(m!.blocks);
    expect(text).toContain("Overdue");
    expect(text).toContain("&lt;@channel&gt;");
    expect(text).not.toContain("<@channel>");
    expect(text).toContain("Never used");
    expect(m!.text).toMatch(/4 API keys to rotate, 1 overdue/);
  });

  it("splits a long list into messages within Slack limits, buttons for the first keys only", () => {
    const items = Array.from({ length: 260 }, (_, i) => item(i + 1));
    const msgs = reminderMessages(items, { rotationDays: 90 });
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) {
      expect(m.blocks.length).toBeLessThanOrEqual(MESSAGE_MAX_BLOCKS);
      expect(textLength(m.blocks)).toBeLessThanOrEqual(12_000);
      expect(new Set(m.blocks.map((b: any) => b.block_id).filter(Boolean)).size).toBe(m.blocks.filter((b: any) => b.block_id).length);
    }
    const ids = msgs.flatMap((m) => m.reminderIds);
    expect(ids.sort()).toEqual(items.map((i) => i.reminderId).sort());
    expect(msgs.flatMap((m) => actionsOf(m.blocks))).toHaveLength(MAX_KEYS_WITH_BUTTONS);
    // The keys past the buttons are still named.
    const all = JSON.stringify(msgs.map((m) => m.blocks));
    for (const i of items) expect(all).toContain(i.credentialId);
    expect(msgs[1]!.text).toMatch(/part 2 of/);
  });
});

function digestOf(n: number, groups: number): Digest {
  const keys: DigestKey[] = Array.from({ length: n }, (_, i) => ({
    credentialId: `cred_${String(i).padStart(12, "0")}`,
    label: i % 2 ? `lbl ${i}` : "",
    environment: ["development", "staging", "production"][i % 3]!,
    appPublicId: `app_${String(i % groups).padStart(12, "0")}`,
    appTitle: `App ${i % groups}`,
    daysLeft: (i % 30) - 15,
    dueAt: new Date("2026-04-05T08:00:00Z"),
    neverUsed: i % 5 === 0,
  }));
  keys.sort(
    (a, b) =>
      a.appTitle.localeCompare(b.appTitle) || a.appPublicId.localeCompare(b.appPublicId) || a.environment.localeCompare(b.environment),
  );
  return { counts: { overdue: 10, dueToday: 1, due7: 5, due14: n - 16, snoozed: 2, rotating: 3 }, total: n, keys };
}

describe("digestMessages", () => {
  it("groups keys by app and environment, with counts", () => {
    const msgs = digestMessages(digestOf(20, 2), { rotationDays: 90 });
    expect(msgs).toHaveLength(1);
    const text = JSON.stringify(msgs[0]!.blocks);
    expect(text).toContain("*10* overdue");
    expect(text).toContain("2 keys snoozed");
    expect(text).toContain("3 keys being replaced");
    // 2 apps × 3 environments = 6 groups.
    expect(msgs[0]!.blocks.filter((b: any) => b.type === "section" && /`app_\d{12}`/.test(b.text.text))).toHaveLength(6);
    expect(msgs[0]!.text).toMatch(/20 API keys due for rotation: 10 overdue/);
  });

  it("chunks a large digest into several messages within Slack limits, every key once", () => {
    const d = digestOf(400, 60);
    const msgs = digestMessages(d, { rotationDays: 90 });
    expect(msgs.length).toBeGreaterThan(2);
    for (const m of msgs) {
      expect(m.blocks.length).toBeLessThanOrEqual(MESSAGE_MAX_BLOCKS);
      expect(textLength(m.blocks)).toBeLessThanOrEqual(12_000);
    }
    const all = msgs.map((m) => JSON.stringify(m.blocks)).join("\n");
    for (const k of d.keys) expect(all.split(k.credentialId).length - 1).toBe(1);
    expect(msgs.at(-1)!.text).toMatch(new RegExp(`part ${msgs.length} of ${msgs.length}`));
  });

  it("says how many keys were not listed, and posts nothing when nothing is due", () => {
    const d = { ...digestOf(10, 2), total: 1500 };
    expect(JSON.stringify(digestMessages(d, { rotationDays: 90 }).at(-1)!.blocks)).toContain("1490 more keys not listed");
    expect(digestMessages({ ...digestOf(0, 1), total: 0 }, { rotationDays: 90 })).toEqual([]);
  });
});

describe("input validation", () => {
  it("snooze: 1 to 30 whole days and a reason", () => {
    expect(validateSnooze({ days: "7", reason: " Release freeze " })).toEqual({ days: 7, reason: "Release freeze", errors: {} });
    for (const days of ["0", "31", "1.5", "-3", "abc", ""])
      expect(validateSnooze({ days, reason: "x" }).errors.days, days).toMatch(/1 to 30/);
    expect(validateSnooze({ days: "3", reason: " \u200b " }).errors.reason).toMatch(/Say why/);
    expect(validateSnooze({ days: "3", reason: "x".repeat(301) }).errors.reason).toMatch(/300 characters/);
  });

  it("settings: channels, not DMs; 1 to 3650 days", () => {
    expect(validateSettings({ auditChannelId: "C0123", rotationChannelId: null, rotationDays: "90" })).toEqual({});
    expect(validateSettings({ auditChannelId: "D0123", rotationDays: "90" }).auditChannelId).toMatch(/not a direct message/);
    for (const d of ["0", "3651", "12.5", "x", ""]) expect(validateSettings({ rotationDays: d }).rotationDays, d).toMatch(/1 to 3650/);
  });
});
