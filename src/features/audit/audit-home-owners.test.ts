import { describe, expect, it } from "vitest";
import { BACKOFF_CAP_MS, backoffMs } from "./delivery.js";
import { isDueForRotation } from "../rotation/due.js";
import { auditMessage } from "./slack/blocks.js";
import { HOME_MAX_CARDS, homeView } from "../home/slack/blocks.js";
import { MAX_OWNERS_SHOWN, ownersModal } from "../owners/slack/blocks.js";
import { classifySlackError } from "./worker.js";

const DAY = 86_400_000;
const now = new Date("2026-06-01T12:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY);

describe("audit back-off", () => {
  it("doubles from one second up to a five-minute cap, and honours Retry-After", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, {}))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(9, {})).toBe(256_000);
    expect(backoffMs(10, {})).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(10_000, {})).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(1, { retryAfterMs: 30_000 })).toBe(30_000);
    expect(backoffMs(7, { retryAfterMs: 0 })).toBe(0);
  });

  it("classifies Web API failures", () => {
    expect(classifySlackError({ code: "slack_webapi_rate_limited_error", retryAfter: 12 })).toEqual({
      code: "ratelimited",
      retryAfterMs: 12_000,
      permanent: false,
    });
    expect(classifySlackError({ code: "slack_webapi_platform_error", data: { error: "not_in_channel" } })).toMatchObject({
      code: "not_in_channel",
      permanent: true,
    });
    expect(classifySlackError({ code: "slack_webapi_platform_error", data: { error: "internal_error" } })).toMatchObject({
      permanent: false,
    });
    expect(classifySlackError({ code: "slack_webapi_http_error", statusCode: 503 })).toMatchObject({ code: "http_503", permanent: false });
    expect(classifySlackError(new Error("A rate limit was exceeded (url: x, retry-after: 3)"))).toMatchObject({
      code: "ratelimited",
      retryAfterMs: 3000,
    });
  });
});

describe("audit message", () => {
  const base = { id: 42n, createdAt: now, actorId: "UALICE01", action: "credential.revoked" };

  it("says who, what, which app, credential and environment, why and when", () => {
    const m = auditMessage({
      ...base,
      appPublicId: "app_0123456789ab",
      appTitle: "Pay & <Go>",
      credentialId: "cred_abc",
      environment: "production",
      reason: "compromised <!channel>",
    });
    const text = JSON.stringify(m.blocks);
    expect(m.text).toBe("API key revoked by <@UALICE01>: Pay &amp; &lt;Go&gt; (app_0123456789ab) · cred_abc · production");
    expect(text).toContain("*Reason*\\ncompromised &lt;!channel&gt;");
    expect(text).toContain(":rocket: Production");
    expect(text).toContain(`<!date^${now.getTime() / 1000}^`);
    expect(text).toContain("Audit event #42");
    expect(m.blocks.length).toBeLessThanOrEqual(50);
  });

  it("renders details, non-person actors and unknown actions safely", () => {
    const secret = `sk_prod_${"A".repeat(38)}`;
    const m = auditMessage({
      ...base,
      actorId: "system",
      action: "future.thing",
      details: { userId: "UBOB0001", revokeAt: "2026-06-02T12:00:00.000Z", note: `oops ${secret}`, nested: { a: 1 } },
    });
    const text = JSON.stringify(m);
    expect(text).toContain("by _system_");
    expect(text).toContain("future.thing");
    expect(text).toContain("*User id:* <@UBOB0001>");
    expect(text).toContain("*Revoke at:* <!date^");
    expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });

  it("puts codes into words, details in reading order, settings from what to what", () => {
    const revoked = auditMessage({
      ...base,
      reason: "routine_rotation",
      // jsonb hands keys back in its own order: the message puts them in reading order.
      details: { approvedBy: "UBOB0001", replacedBy: "cred_new", scheduled: true, action: "replace", note: "n" },
    });
    const text = JSON.stringify(revoked.blocks);
    expect(text).toContain("*Reason*\\nRoutine rotation");
    expect(text).toContain("API key revoked: its grace period ended");
    expect(text).toContain("*Action:* Revoke and issue a replacement\\n*Note:* n\\n*Replaced by:* `cred_new`\\n*Approved by:* <@UBOB0001>");
    expect(text).not.toContain("Scheduled");
    // Free text that happens to name an inherited property stays text.
    expect(JSON.stringify(auditMessage({ ...base, reason: "constructor", details: { action: "toString" } }).blocks)).toContain(
      "*Action:* toString",
    );
    const settings = auditMessage({
      ...base,
      action: "settings.changed",
      details: {
        changes: [
          { key: "auditChannelId", from: null, to: "C0AUDIT01" },
          { key: "rotationDays", from: "90", to: "30" },
        ],
      },
    });
    expect(JSON.stringify(settings.blocks)).toContain("*Audit channel:* _not set_ → <#C0AUDIT01>\\n*Rotation period:* 90 days → 30 days");
  });
});

describe("rotation due-ness", () => {
  const cred = (createdAt: Date, extra = {}) => ({ status: "ACTIVE", createdAt, snoozedUntil: null, revokeAt: null, ...extra });
  it("is due 14 days before createdAt + rotationDays, and after", () => {
    expect(isDueForRotation(cred(daysAgo(75)), 90, now)).toBe(false);
    expect(isDueForRotation(cred(daysAgo(76)), 90, now)).toBe(true);
    expect(isDueForRotation(cred(daysAgo(400)), 90, now)).toBe(true);
    expect(isDueForRotation(cred(daysAgo(16)), 30, now)).toBe(true);
    expect(isDueForRotation(cred(daysAgo(15)), 30, now)).toBe(false);
  });
  it("is not due when revoked, snoozed or already scheduled for revocation", () => {
    expect(isDueForRotation(cred(daysAgo(100), { status: "REVOKED" }), 90, now)).toBe(false);
    expect(isDueForRotation(cred(daysAgo(100), { snoozedUntil: new Date(now.getTime() + DAY) }), 90, now)).toBe(false);
    expect(isDueForRotation(cred(daysAgo(100), { snoozedUntil: new Date(now.getTime() - DAY) }), 90, now)).toBe(true);
    expect(isDueForRotation(cred(daysAgo(100), { revokeAt: new Date(now.getTime() + DAY) }), 90, now)).toBe(false);
  });
});

describe("view size limits", () => {
  it("caps the Home tab at 100 blocks whatever the number of apps", () => {
    const cards = Array.from({ length: 1000 }, (_, i) => ({
      publicId: `app_${String(i).padStart(12, "0")}`,
      title: "T".repeat(200),
      description: "d".repeat(3000),
      activeKeys: i,
      dueForRotation: i % 3,
    }));
    const v = homeView({ cards, total: 1000, rotationDays: 90 });
    expect(v.blocks.length).toBeLessThanOrEqual(100);
    expect(v.blocks.filter((b) => b.type === "section" && "accessory" in b && b.accessory)).toHaveLength(HOME_MAX_CARDS);
    expect(JSON.stringify(v)).toContain("and 970 more apps");
  });

  it("caps the owners modal at 100 blocks", () => {
    const at = new Date();
    const owners = Array.from({ length: 250 }, (_, i) => ({
      appId: "a",
      userId: `U${String(i).padStart(8, "0")}`,
      role: i === 0 ? "owner" : "co-owner",
      addedBy: "U00000000",
      createdAt: at,
    }));
    const v = ownersModal({
      app: { publicId: "app_0123456789ab", title: "X", ownerId: "U00000000", owners },
      meta: { a: "app_0123456789ab" },
      notice: "hi",
    });
    expect(v.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(v)).toContain(`${250 - MAX_OWNERS_SHOWN} more not shown`);
    expect(v.blocks.at(-1)!.type).toBe("input");
  });
});
