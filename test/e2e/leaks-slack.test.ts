import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateKeyPair } from "../../src/features/credentials/key-format.js";
import { OwnerService } from "../../src/features/owners/service.js";
import { SECRET_RE, firstEndpoints } from "../support/flows.js";
import { TEAM, startHarness, type Harness } from "../support/harness.js";
import type { RecordedCall } from "../support/slack-standin.js";

const ALICE = "UALICE01"; // creates the apps
const BOB = "UBOB0001"; // co-owner
const POSTER = "UPOSTER1"; // pastes keys where they do not belong
const APPROVER = "UAPPR001";
const AUDIT = "CAUDIT01";
const CHANNEL = "CGENERAL1";
const VERIFY_TOKEN = "gateway-token-0123456789abcdef";

let tsCounter = 0;
/** A fresh message ts, as Slack would give one. */
const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, "0")}`;

/** Every substring of `key` of this length: none may appear in what reaches a channel. */
function pieces(key: string, len = 6): string[] {
  const body = key.slice(key.indexOf("_", 3) + 1);
  return Array.from({ length: body.length - len + 1 }, (_, i) => body.slice(i, i + len));
}

describe("leak response in Slack", () => {
  let h: Harness;
  let seq = 0;

  /** A new app owned by ALICE (and BOB), with one key; returns the key and the app. */
  async function newApp(environment: "development" | "production" = "development", label = "ci runner") {
    const s = h.app.services;
    const created = await s.apps.createApp(s.actor(ALICE, TEAM), {
      title: `Leaky app ${++seq}`,
      description: "",
      endpointIds: await firstEndpoints(h, 1),
      environment,
      label,
    });
    await new OwnerService(h.prisma, s.clock).addCoOwner(s.actor(ALICE, TEAM), created.app.id, BOB);
    const issued = created.issued!;
    // A new key reaches the verification index within a second (the test then verifies it).
    await vi.waitFor(() => expect(s.verify.indexed(issued.credential.sharedKey)).toBe(true), { timeout: 2000, interval: 10 });
    return { app: created.app, credentialId: issued.credential.id, secret: issued.secretKey, shared: issued.credential.sharedKey };
  }

  const credential = (id: string) => h.prisma.credential.findUniqueOrThrow({ where: { id } });
  /** Calls since index `from`, without the audit worker's posts and App Home refreshes (both run on their own). */
  const since = (from: number, method?: string) =>
    h.standIn.calls
      .slice(from)
      .filter((c) => !(c.method === "chat.postMessage" && c.args.channel === AUDIT) && c.method !== "views.publish")
      .filter((c) => !method || c.method === method);
  const dmsTo = (from: number, user: string) => since(from, "chat.postMessage").filter((c) => c.args.channel === user);

  async function post(text: string, extra: Record<string, unknown> = {}, opts: { eventId?: string; retryNum?: number } = {}) {
    const ts = (extra.ts as string) ?? nextTs();
    const res = await h.slack.event({ type: "message", channel: CHANNEL, channel_type: "channel", user: POSTER, text, ts, ...extra }, opts);
    expect(res.status).toBe(200);
    return ts;
  }

  async function verify(shared: string, secret: string) {
    const res = await fetch(`${h.url}/v1/keys/verify`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${VERIFY_TOKEN}` },
      body: JSON.stringify({ sharedKey: shared, secretKey: secret }),
    });
    return (await res.json()) as { valid: boolean; code?: string };
  }

  beforeAll(async () => {
    h = await startHarness({
      env: { AUDIT_CHANNEL_ID: AUDIT, APPROVER_USER_IDS: APPROVER, VERIFY_TOKENS: VERIFY_TOKEN },
      // The HTTP answer waits for the listener: what a message caused is done when post() returns.
      appOptions: { processBeforeResponse: true },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it("revokes a secret key posted in a channel, replies in its thread without the key, DMs every owner and audits", async () => {
    const k = await newApp();
    expect((await verify(k.shared, k.secret)).valid).toBe(true);
    const from = h.standIn.calls.length;
    const ts = await post(`here is the prod config: ${k.secret} (don't tell anyone)`);

    const row = await credential(k.credentialId);
    expect(row).toMatchObject({ status: "REVOKED", revokeReason: "compromised", revokeNote: "posted in Slack", revokedBy: null });
    // Gateways see the revocation at once.
    expect(await verify(k.shared, k.secret)).toEqual({ valid: false, code: "REVOKED" });

    const replies = since(from, "chat.postMessage").filter((c) => c.args.channel === CHANNEL);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args.thread_ts).toBe(ts);
    const reply = JSON.stringify(replies[0]!.args);
    expect(reply).toContain(k.app.publicId);
    expect(reply).toMatch(/secret key .*revoked/);
    expect(reply).not.toContain(k.app.title);
    for (const piece of [...pieces(k.secret), "sk_dev_", k.credentialId]) expect(reply).not.toContain(piece);

    expect(since(from, "chat.getPermalink")[0]!.args).toMatchObject({ channel: CHANNEL, message_ts: ts });
    for (const owner of [ALICE, BOB]) {
      const dm = dmsTo(from, owner);
      expect(dm, owner).toHaveLength(1);
      const text = JSON.stringify(dm[0]!.args.blocks);
      expect(text).toContain(k.credentialId);
      expect(text).toContain(`/archives/${CHANNEL}/p${ts.replace(".", "")}`);
      expect(text).toContain(`<@${POSTER}>`);
      expect(text).toContain("leak_issue_replacement");
      expect(text).not.toContain(k.secret);
    }

    const audit = await h.prisma.auditEvent.findFirstOrThrow({ where: { credentialId: k.credentialId, action: "credential.revoked" } });
    expect(audit).toMatchObject({ reason: "compromised: posted in Slack", actorId: "AppKeys leak response" });
    expect(audit.details).toMatchObject({ detectedIn: "Slack", channel: CHANNEL, messageTs: ts, postedBy: POSTER });
    const posted = await h.standIn.waitForCall(
      "chat.postMessage",
      (c) => c.args.channel === AUDIT && JSON.stringify(c.args).includes(k.credentialId) && /revoked/i.test(c.args.text),
    );
    expect(JSON.stringify(posted.args.blocks)).toContain("compromised: posted in Slack");
  });

  it("issues the replacement with one click: same environment and label, the secret delivered privately", async () => {
    const k = await newApp("development", "nightly export");
    const from = h.standIn.calls.length;
    await post(`\`\`\`\nAPPKEYS_SECRET=${k.secret}\n\`\`\``);
    const dm = dmsTo(from, BOB)[0]!;
    const clickFrom = h.standIn.calls.length;
    await h.slack.blockAction({ userId: BOB, actionId: "leak_issue_replacement", channelId: `D${BOB}`, messageTs: dm.response.ts });

    const replacement = await h.prisma.credential.findFirstOrThrow({ where: { appId: k.app.id, status: "ACTIVE" } });
    expect(replacement).toMatchObject({ environment: "development", label: "nightly export", createdBy: BOB });
    expect((await credential(k.credentialId)).replacedById).toBe(replacement.id);
    const ephemeral = since(clickFrom, "chat.postEphemeral");
    expect(ephemeral).toHaveLength(1);
    expect(ephemeral[0]!.args.user).toBe(BOB);
    const newSecret = SECRET_RE.exec(JSON.stringify(ephemeral[0]!.args))![0];
    expect(newSecret).not.toBe(k.secret);
    // Only the two private deliveries carry the new secret.
    const carriers = h.standIn.calls.filter((c) => JSON.stringify(c.args).includes(newSecret)).map((c) => c.method);
    expect(carriers.sort()).toEqual(["chat.postEphemeral", "views.update"]);
    expect(await verify(replacement.sharedKey, newSecret)).toMatchObject({ valid: true });

    // Alice clicks her own copy of the DM later: one replacement is enough.
    const aliceDm = dmsTo(from, ALICE)[0]!;
    const again = h.standIn.calls.length;
    await h.slack.blockAction({
      userId: ALICE,
      actionId: "leak_issue_replacement",
      channelId: `D${ALICE}`,
      messageTs: aliceDm.response.ts,
    });
    await h.standIn.waitFor(() => since(again, "views.update").length > 0);
    expect(JSON.stringify(since(again, "views.update").at(-1)!.args.view)).toContain(`already issued`);
    expect(await h.prisma.credential.count({ where: { appId: k.app.id, status: "ACTIVE" } })).toBe(1);
  });

  it("only an owner can issue the replacement", async () => {
    const k = await newApp();
    const from = h.standIn.calls.length;
    await post(k.secret);
    const dm = dmsTo(from, BOB)[0]!;
    const click = h.standIn.calls.length;
    await h.slack.blockAction({ userId: POSTER, actionId: "leak_issue_replacement", channelId: `D${BOB}`, messageTs: dm.response.ts });
    await h.standIn.waitFor(() => since(click, "views.update").length > 0);
    expect(JSON.stringify(since(click, "views.update").at(-1)!.args.view)).toMatch(/Only the app's owners/);
    expect(await h.prisma.credential.count({ where: { appId: k.app.id, status: "ACTIVE" } })).toBe(0);
  });

  it("a production replacement by an owner who is not an approver goes to the approvers", async () => {
    const k = await newApp("production", "prod api");
    const from = h.standIn.calls.length;
    await post(`secret: ${k.secret}`);
    expect((await credential(k.credentialId)).status).toBe("REVOKED");
    const click = h.standIn.calls.length;
    await h.slack.blockAction({
      userId: ALICE,
      actionId: "leak_issue_replacement",
      channelId: `D${ALICE}`,
      messageTs: dmsTo(from, ALICE)[0]!.response.ts,
    });
    const approval = await h.prisma.approval.findFirstOrThrow({ where: { appId: k.app.id, kind: "GENERATE" } });
    expect(approval).toMatchObject({ status: "PENDING", requesterId: ALICE, payload: { environment: "production", label: "prod api" } });
    expect(dmsTo(click, APPROVER)).toHaveLength(1);
    expect(since(click, "chat.postEphemeral")).toHaveLength(0);
    expect(await h.prisma.credential.count({ where: { appId: k.app.id, status: "ACTIVE" } })).toBe(0);
  });

  it("scans threads, DMs, links and edits; an edit or a second post of the same key revokes and notifies once", async () => {
    const inThread = await newApp();
    let from = h.standIn.calls.length;
    const parent = nextTs();
    await post(`<https://wiki.example.com/setup?key=${inThread.secret}|setup page>`, { thread_ts: parent });
    expect((await credential(inThread.credentialId)).status).toBe("REVOKED");
    expect(since(from, "chat.postMessage").find((c) => c.args.channel === CHANNEL)!.args.thread_ts).toBe(parent);

    const inDm = await newApp();
    from = h.standIn.calls.length;
    const dmTs = await post(inDm.secret, { channel: `D${POSTER}`, channel_type: "im" });
    expect((await credential(inDm.credentialId)).status).toBe("REVOKED");
    expect(since(from, "chat.postMessage").filter((c) => c.args.channel === `D${POSTER}`)[0]!.args.thread_ts).toBe(dmTs);

    // A harmless message, then edited to carry a key: the edit is scanned.
    const edited = await newApp();
    const ts = await post("config coming up");
    from = h.standIn.calls.length;
    const change = (text: string) =>
      h.slack.event({
        type: "message",
        subtype: "message_changed",
        hidden: true,
        channel: CHANNEL,
        channel_type: "channel",
        ts: nextTs(),
        message: { type: "message", user: POSTER, text, ts, edited: { user: POSTER, ts: nextTs() } },
        previous_message: { type: "message", user: POSTER, text: "config coming up", ts },
      });
    await change(`config: ${edited.secret}`);
    expect((await credential(edited.credentialId)).status).toBe("REVOKED");
    const afterFirst = h.standIn.calls.length;
    expect(since(from, "chat.postMessage").filter((c) => c.args.channel === CHANNEL)).toHaveLength(1);
    // Edited again (still carrying the key), and the same key posted in a new message.
    await change(`config: ${edited.secret} (sorry)`);
    await post(`again ${edited.secret}`);
    const later = since(afterFirst);
    expect(later.filter((c) => c.method === "chat.postMessage")).toEqual([]);
    // The new message's poster gets one short private note; the owners hear nothing new.
    expect(later.map((c) => c.method)).toEqual(["chat.postEphemeral"]);
    expect(later[0]!.args).toMatchObject({ channel: CHANNEL, user: POSTER });
    expect(JSON.stringify(later[0]!.args)).not.toContain(edited.secret.slice(8, 20));
    expect(await h.prisma.auditEvent.count({ where: { credentialId: edited.credentialId, action: "credential.revoked" } })).toBe(1);
  });

  it("handles a retried event once", async () => {
    const k = await newApp();
    const from = h.standIn.calls.length;
    const ts = nextTs();
    const eventId = `EvRETRY${seq}`;
    await post(k.secret, { ts }, { eventId });
    await post(k.secret, { ts }, { eventId, retryNum: 1 });
    expect(since(from, "chat.postMessage").filter((c) => c.args.channel === CHANNEL)).toHaveLength(1);
    expect(dmsTo(from, ALICE)).toHaveLength(1);
    expect(since(from, "chat.postEphemeral")).toHaveLength(0);
    // The retry was recognised by its event id, before any lookup.
    expect(await h.prisma.processedEvent.count({ where: { eventId: `slack-event:${eventId}` } })).toBe(1);
  });

  it("a shared key alone is not revoked: the owners are told once, the channel hears nothing", async () => {
    const k = await newApp();
    const from = h.standIn.calls.length;
    await post(`our key id is ${k.shared}`);
    await post(`again: _${k.shared}_`);
    expect((await credential(k.credentialId)).status).toBe("ACTIVE");
    expect(since(from, "chat.postMessage").filter((c) => c.args.channel === CHANNEL)).toEqual([]);
    for (const owner of [ALICE, BOB]) {
      const dm = dmsTo(from, owner);
      expect(dm).toHaveLength(1);
      expect(JSON.stringify(dm[0]!.args.blocks)).toContain(k.credentialId);
      expect(JSON.stringify(dm[0]!.args.blocks)).toContain("cred_revoke");
    }
  });

  it("an unknown key gets at most a note to the poster; a wrong checksum costs nothing", async () => {
    const count = await h.prisma.credential.count({ where: { status: "REVOKED" } });
    const from = h.standIn.calls.length;
    const unknown = generateKeyPair("staging").secretKey;
    const broken = `${unknown.slice(0, -1)}${unknown.endsWith("A") ? "B" : "A"}`;
    await post(`try ${broken}`);
    expect(since(from)).toEqual([]);
    await post(`try ${unknown}`);
    const calls = since(from);
    expect(calls.map((c: RecordedCall) => c.method)).toEqual(["chat.postEphemeral"]);
    expect(JSON.stringify(calls[0]!.args)).not.toContain(unknown.slice(7, 20));
    expect(await h.prisma.credential.count({ where: { status: "REVOKED" } })).toBe(count);
  });

  it("never treats the bot's own messages as leaks", async () => {
    const k = await newApp();
    const from = h.standIn.calls.length;
    const own = { user: h.standIn.botUserId, bot_id: h.standIn.botId, app_id: h.standIn.appId };
    await post(`Your new key: ${k.secret}`, { ...own, channel: `D${ALICE}`, channel_type: "im" });
    // An edit of the bot's own message: Bolt's ignoreSelf does not catch these (no top-level user).
    const ts = nextTs();
    await h.slack.event({
      type: "message",
      subtype: "message_changed",
      hidden: true,
      channel: `D${ALICE}`,
      channel_type: "im",
      ts: nextTs(),
      message: { type: "message", ...own, text: `Your new key: ${k.secret}`, ts },
    });
    expect((await credential(k.credentialId)).status).toBe("ACTIVE");
    expect(since(from)).toEqual([]);
  });

  it("no secret reaches a log line", async () => {
    const all = h.logs.join("");
    expect(all).toContain("AppKeys key found in a Slack message");
    const secrets = new Set(h.standIn.allText().match(new RegExp(SECRET_RE.source, "g")) ?? []);
    const revoked = await h.prisma.credential.findMany({ where: { revokeReason: "compromised" } });
    expect(revoked.length).toBeGreaterThan(5);
    for (const s of secrets) expect(all).not.toContain(s);
    expect(all).not.toMatch(/sk_(?:dev|stg|prod)_[0-9A-Za-z]{20,}/);
  });
});

describe("LEAK_SCAN=off", () => {
  it("reads no message", async () => {
    const h = await startHarness({ env: { LEAK_SCAN: "off" }, appOptions: { processBeforeResponse: true } });
    try {
      const s = h.app.services;
      const created = await s.apps.createApp(s.actor(ALICE, TEAM), {
        title: "Quiet app",
        description: "",
        endpointIds: await firstEndpoints(h, 1),
        environment: "development",
      });
      const from = h.standIn.calls.length;
      const res = await h.slack.event({
        type: "message",
        channel: CHANNEL,
        channel_type: "channel",
        user: POSTER,
        text: created.issued!.secretKey,
        ts: nextTs(),
      });
      expect(res.status).toBe(200);
      expect((await h.prisma.credential.findUniqueOrThrow({ where: { id: created.issued!.credential.id } })).status).toBe("ACTIVE");
      expect(h.standIn.calls.slice(from)).toEqual([]);
      expect(h.logs.join("")).toContain("LEAK_SCAN=off");
    } finally {
      await h.close();
    }
  });
});
