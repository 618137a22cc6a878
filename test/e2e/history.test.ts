// The audit trail read back: `/apps audit <app>` in Slack (newest first, paged) and the JSON Lines
// export for SIEMs (GET /v1/audit with a cursor).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppViaSlack } from "../support/flows.js";
import { startHarness, testClock, type Harness } from "../support/harness.js";

const ALICE = "UALICE01";
const BOB = "UBOB0001";
const APPROVER = "UAPPR001";
const STRANGER = "USTRANG1";
const TOKEN = "export-token-0123456789abcdef";

describe("audit history", () => {
  let h: Harness;
  let app: { id: string; publicId: string; title: string };
  let secret: string;
  const clock = testClock(new Date("2026-04-06T08:00:00Z"));

  beforeAll(async () => {
    h = await startHarness({ clock, env: { APPROVER_USER_IDS: APPROVER, AUDIT_EXPORT_TOKENS: `other-token-0123456789,${TOKEN}` } });
    const r = await createAppViaSlack(h, { userId: ALICE, title: "Ledger" });
    app = r.app!;
    secret = r.secret!;
    // 6 share/unshare rounds: 12 owner events after app.created and credential.generated.
    for (let i = 0; i < 6; i++) {
      clock.advance(60_000);
      await run(`share Ledger <@${BOB}>`, ALICE);
      clock.advance(60_000);
      await run(`unshare Ledger <@${BOB}>`, ALICE);
    }
  });
  afterAll(async () => h?.close());

  async function run(text: string, userId: string) {
    const n = h.standIn.calls.length;
    await h.slack.command(text, { userId });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    return h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args;
  }
  const eventIds = (args: any) =>
    (args.blocks as any[]).filter((b) => b.type === "context" && /Event #/.test(b.elements[0].text)).map((b) => b.elements[0].text);

  it("shows the app's events newest first, ten at a time, to owners, approvers and admins only", async () => {
    const all = await h.prisma.auditEvent.findMany({ where: { appId: app.id }, orderBy: { id: "desc" } });
    expect(all).toHaveLength(14);
    const first = await run("audit Ledger", ALICE);
    expect(eventIds(first)).toEqual(all.slice(0, 10).map((e) => `Event #${e.id}`));
    expect(JSON.stringify(first.blocks)).toContain(`Co-owner removed* by <@${ALICE}>`);
    const older = (first.blocks as any[]).find((b) => b.type === "actions")!.elements[0];
    expect(older.value).toBe(`${app.publicId} ${all[9]!.id}`);

    // "Older" replaces the message with the next page: the last four events, no further button.
    const n = h.standIn.calls.length;
    await h.slack.blockAction({ userId: ALICE, actionId: "audit_page", value: older.value });
    await h.standIn.waitFor((c) => c.slice(n).some((x) => x.method === "response_url"));
    const second = h.standIn.calls.slice(n).find((x) => x.method === "response_url")!.args;
    expect(second.replace_original).toBe(true);
    expect(eventIds(second)).toEqual(all.slice(10).map((e) => `Event #${e.id}`));
    expect(JSON.stringify(second.blocks)).toContain("App created");
    expect((second.blocks as any[]).some((b) => b.type === "actions")).toBe(false);

    // An approver reads it by App ID; Bob (no longer an owner) and strangers are refused.
    expect(eventIds(await run(`audit ${app.publicId}`, APPROVER))).toHaveLength(10);
    expect(String((await run(`audit ${app.publicId}`, BOB)).text)).toMatch(/Only the app's owners, approvers and AppKeys admins/);
    expect(String((await run("audit Ledger", STRANGER)).text)).toMatch(/No app of yours is called "Ledger"/);
    // A forged "Older" button from a stranger.
    const k = h.standIn.calls.length;
    await h.slack.blockAction({ userId: STRANGER, actionId: "audit_page", value: older.value });
    await h.standIn.waitFor((c) => c.slice(k).some((x) => x.method === "response_url"));
    expect(String(h.standIn.calls.slice(k).find((x) => x.method === "response_url")!.args.text)).toMatch(/Only the app's owners/);
    expect((await h.slack.command("audit", { userId: ALICE })).body.text).toMatch(/Tell me which app: `\/apps audit/);
    expect(h.standIn.violations).toEqual([]);
  });

  it("exports every event as JSON Lines in id order, with a cursor, behind a bearer token", async () => {
    const get = (q: string, token?: string) =>
      fetch(`${h.url}/v1/audit${q}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await get("")).status).toBe(401);
    expect((await get("", "wrong-token-0123456789abc")).status).toBe(401);
    const bad = await get("?since=abc", TOKEN);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/since: must be a cursor/);
    expect((await get("?limit=5000", TOKEN)).status).toBe(400);

    const total = await h.prisma.auditEvent.count();
    const seen: Array<{ id: string; cursor: string; action: string }> = [];
    let cursor = "0";
    for (let i = 0; i < 10; i++) {
      const res = await get(`?since=${cursor}&limit=5`, TOKEN);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/application\/x-ndjson/);
      const body = await res.text();
      const lines = body
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      seen.push(...lines);
      cursor = res.headers.get("x-appkeys-cursor")!;
      if (lines.length) expect(cursor).toBe(lines.at(-1).cursor);
      expect(body).not.toContain(secret);
      if (res.headers.get("x-appkeys-more") === "false") break;
    }
    expect(seen).toHaveLength(total);
    const ids = seen.map((l) => BigInt(l.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(seen[0]).toMatchObject({ action: "app.created", appPublicId: app.publicId, actorId: ALICE });
    // Nothing new: an empty answer, the cursor unchanged.
    const idle = await get(`?since=${cursor}`, TOKEN);
    expect(await idle.text()).toBe("");
    expect(idle.headers.get("x-appkeys-cursor")).toBe(cursor);
    // A new event shows up after the cursor.
    await run(`share Ledger <@${BOB}>`, ALICE);
    const next = (await (await get(`?since=${cursor}`, TOKEN)).text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(next.map((l) => l.action)).toEqual(["app.owner_added"]);
  });
});
