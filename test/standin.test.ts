import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, LogLevel, type Logger, verifySlackRequest, webApi } from "@slack/bolt";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackClient, escapeCommandText } from "./support/slack-client.js";
import { SlackStandIn } from "./support/slack-standin.js";

const SECRET = "test-signing-secret";

const plain = (text: string) => ({ type: "plain_text" as const, text });
const option = (value: string, text = value) => ({ text: plain(text), value });
const modal = (over: Record<string, unknown> = {}) => ({
  type: "modal",
  callback_id: "cb",
  title: plain("Title"),
  blocks: [{ type: "section", block_id: "s1", text: { type: "mrkdwn", text: "hello" } }],
  ...over,
});

function quietLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug: () => {},
    info: () => {},
    warn: (...m: unknown[]) => void warnings.push(m.map(String).join(" ")),
    error: () => {},
    setLevel: () => {},
    getLevel: () => LogLevel.ERROR,
    setName: () => {},
  };
}

function webClient(standIn: SlackStandIn, opts: Record<string, unknown> = {}) {
  return new webApi.WebClient("xoxb-test", {
    slackApiUrl: standIn.url,
    retryConfig: { retries: 0 },
    logger: quietLogger(),
    ...opts,
  });
}

async function errorOf(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return (e as any).data ?? e;
  }
  throw new Error("expected the call to fail");
}

describe("SlackStandIn", () => {
  let standIn: SlackStandIn;
  let web: webApi.WebClient;

  beforeEach(async () => {
    standIn = await SlackStandIn.start({ teamId: "T0001", users: { U1: { name: "alice" } }, usergroups: { S1: ["U1", "U2"] } });
    web = webClient(standIn);
  });
  afterEach(async () => {
    await standIn.close();
  });

  it("answers auth.test, records calls and refuses calls without a token", async () => {
    expect(standIn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const res = await web.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T0001" });
    expect(standIn.lastCall("auth.test")).toMatchObject({ token: "xoxb-test", status: 200, response: { ok: true } });

    const raw = await fetch(`${standIn.url}auth.test`, { method: "POST" });
    expect(await raw.json()).toEqual({ ok: false, error: "not_authed" });
    expect(await errorOf(web.apiCall("nope.nope"))).toMatchObject({ ok: false, error: "unknown_method" });
    expect(standIn.calls.map((c) => c.method)).toEqual(["auth.test", "auth.test", "nope.nope"]);
    expect(standIn.violations).toEqual([]);
  });

  it("refuses a 25-character modal title and records the violation", async () => {
    const err = await errorOf(
      web.views.open({ trigger_id: standIn.issueTriggerId(), view: modal({ title: plain("x".repeat(25)) }) as any }),
    );
    expect(err.error).toBe("invalid_arguments");
    expect(err.response_metadata.messages[0]).toContain("/view/title/text");
    expect(standIn.violations).toHaveLength(1);
    expect(standIn.violations[0]).toMatch(/^views\.open: .*title/);

    standIn.clear();
    const ok = await web.views.open({ trigger_id: standIn.issueTriggerId(), view: modal({ title: plain("x".repeat(24)) }) as any });
    expect(ok.view?.id).toMatch(/^V/);
    expect(standIn.violations).toEqual([]);
  });

  it("refuses a static select with 101 options and option values over 75 characters", async () => {
    const select = (options: unknown[]) =>
      modal({
        submit: plain("Save"),
        blocks: [{ type: "input", block_id: "b", label: plain("Pick"), element: { type: "static_select", action_id: "a", options } }],
      });
    const many = Array.from({ length: 101 }, (_, i) => option(`v${i}`));
    const err = await errorOf(web.views.open({ trigger_id: standIn.issueTriggerId(), view: select(many) as any }));
    expect(err.error).toBe("invalid_arguments");
    expect(err.response_metadata.messages.join()).toContain("/view/blocks/0/element/options");

    const long = await errorOf(
      web.views.open({ trigger_id: standIn.issueTriggerId(), view: select([option("v".repeat(76), "t")]) as any }),
    );
    expect(long.response_metadata.messages.join()).toContain("option value");
    expect(standIn.violations).toHaveLength(2);

    standIn.clear();
    await web.views.open({ trigger_id: standIn.issueTriggerId(), view: select(many.slice(0, 100)) as any });
    expect(standIn.violations).toEqual([]);
  });

  it("enforces message limits", async () => {
    const section = (i: number) => ({ type: "section", text: { type: "mrkdwn", text: `s${i}` } });
    const fifty = Array.from({ length: 50 }, (_, i) => section(i));
    await web.chat.postMessage({ channel: "C1", text: "ok", blocks: fifty as any });
    expect(standIn.violations).toEqual([]);

    expect(await errorOf(web.chat.postMessage({ channel: "C1", text: "x", blocks: [...fifty, section(50)] as any }))).toMatchObject({
      error: "invalid_blocks",
    });
    const input = { type: "input", label: plain("l"), element: { type: "plain_text_input", action_id: "a" } };
    expect((await errorOf(web.chat.postMessage({ channel: "C1", text: "x", blocks: [input] as any }))).error).toBe("invalid_blocks");
    const big = Array.from({ length: 5 }, () => ({ type: "section", text: { type: "mrkdwn", text: "y".repeat(2999) } }));
    expect((await errorOf(web.chat.postMessage({ channel: "C1", text: "x", blocks: big as any }))).error).toBe("msg_blocks_too_long");
    const dup = [
      { ...section(1), block_id: "same" },
      { ...section(2), block_id: "same" },
    ];
    expect((await errorOf(web.chat.postMessage({ channel: "C1", text: "x", blocks: dup as any }))).error).toBe("invalid_blocks");
    expect((await errorOf(web.chat.postEphemeral({ channel: "C1", text: "x" } as any))).error).toBe("invalid_arguments");
    expect(standIn.violations).toHaveLength(5);
  });

  it("stores messages for chat.update / chat.delete; ephemerals cannot be updated", async () => {
    const posted = await web.chat.postMessage({ channel: "U1", text: "hi" });
    expect(posted.channel).toBe("DU1");
    const updated = await web.chat.update({ channel: "DU1", ts: posted.ts as string, text: "changed" });
    expect(standIn.message("DU1", posted.ts as string)?.text).toBe("changed");
    expect(updated.ok).toBe(true);
    const eph = await web.chat.postEphemeral({ channel: "C1", user: "U1", text: "psst" });
    expect(eph.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect((await errorOf(web.chat.update({ channel: "C1", ts: eph.message_ts as string, text: "x" }))).error).toBe("message_not_found");
    await web.chat.delete({ channel: "DU1", ts: posted.ts as string });
    expect(standIn.message("DU1", posted.ts as string)).toBeUndefined();
  });

  it("makes trigger ids single use and expire after 3 s (stand-in clock)", async () => {
    const t = standIn.issueTriggerId();
    await web.views.open({ trigger_id: t, view: modal() as any });
    expect((await errorOf(web.views.open({ trigger_id: t, view: modal() as any }))).error).toBe("exchanged_trigger_id");
    expect((await errorOf(web.views.open({ trigger_id: "made.up", view: modal() as any }))).error).toBe("invalid_trigger_id");

    const late = standIn.issueTriggerId();
    standIn.advanceTime(3001);
    expect((await errorOf(web.views.open({ trigger_id: late, view: modal() as any }))).error).toBe("expired_trigger_id");
    expect(standIn.violations).toEqual([]);
  });

  it("tracks views: hash conflicts, not_found after close, push limit", async () => {
    const opened = await web.views.open({ trigger_id: standIn.issueTriggerId(), view: modal({ external_id: "ext-1" }) as any });
    const id = opened.view?.id as string;
    expect(standIn.lastOpenedView().id).toBe(id);
    const upd = await web.views.update({ view_id: id, hash: opened.view?.hash, view: modal({ title: plain("Second") }) as any });
    expect(standIn.currentView(id).title.text).toBe("Second");
    expect((await errorOf(web.views.update({ view_id: id, hash: opened.view?.hash, view: modal() as any }))).error).toBe("hash_conflict");
    await web.views.update({ external_id: "ext-1", hash: upd.view?.hash, view: modal({ title: plain("Third") }) as any });
    expect(standIn.currentView(id).title.text).toBe("Third");

    const p1 = await web.views.push({ trigger_id: standIn.issueTriggerId(id), view: modal() as any });
    await web.views.push({ trigger_id: standIn.issueTriggerId(id), view: modal() as any });
    expect(standIn.stackOf(id)).toHaveLength(3);
    expect((await errorOf(web.views.push({ trigger_id: standIn.issueTriggerId(id), view: modal() as any }))).error).toBe(
      "push_limit_reached",
    );
    expect(standIn.currentView(p1.view?.id as string).previous_view_id).toBe(id);

    expect(standIn.closeView(id, { clearStack: true })).toHaveLength(3);
    expect((await errorOf(web.views.update({ view_id: id, view: modal() as any }))).error).toBe("not_found");
    expect(standIn.violations).toEqual([]);
  });

  it("applies view_submission answers like Slack (errors, push, close, update)", async () => {
    const input = { type: "input", block_id: "name", label: plain("Name"), element: { type: "plain_text_input", action_id: "v" } };
    const opened = await web.views.open({
      trigger_id: standIn.issueTriggerId(),
      view: modal({ submit: plain("Go"), blocks: [input] }) as any,
    });
    const id = opened.view?.id as string;
    expect(standIn.applyViewResponse(id, { response_action: "errors", errors: { name: "Too short" } })).toMatchObject({ action: "errors" });
    expect(standIn.applyViewResponse(id, { response_action: "errors", errors: { nope: "x" } })).toMatchObject({ action: "rejected" });
    expect(standIn.violations).toHaveLength(1);

    const pushed = standIn.applyViewResponse(id, { response_action: "push", view: modal() });
    expect(pushed.action).toBe("pushed");
    expect(standIn.stackOf(id)).toHaveLength(2);
    standIn.applyViewResponse((pushed as { viewId: string }).viewId, "");
    expect(standIn.stackOf(id)).toEqual([id]);

    expect(standIn.applyViewResponse(id, { response_action: "update", view: modal({ title: plain("y".repeat(25)) }) }).action).toBe(
      "rejected",
    );
    expect(standIn.violations).toHaveLength(2);
    expect(standIn.callsTo("view_response")).toHaveLength(5);
    standIn.applyViewResponse(id, {});
    expect(standIn.isOpen(id)).toBe(false);
  });

  it("injects failures: 429 with Retry-After, error codes, HTTP 500", async () => {
    standIn.failNext("chat.postMessage", { status: 429, retryAfter: 7 });
    const raw = await fetch(`${standIn.url}chat.postMessage`, {
      method: "POST",
      headers: { Authorization: "Bearer xoxb-test", "Content-Type": "application/x-www-form-urlencoded" },
      body: "channel=C1&text=hi",
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
    expect(await raw.json()).toEqual({ ok: false, error: "ratelimited" });
    expect(standIn.lastCall("chat.postMessage")).toMatchObject({
      failed: true,
      status: 429,
      args: { channel: "C1", text: "hi" },
      response: { failed: true },
    });

    standIn.failNext("chat.postMessage", { status: 429 });
    const limited = await errorOf(webClient(standIn, { rejectRateLimitedCalls: true }).chat.postMessage({ channel: "C1", text: "x" }));
    expect(limited).toMatchObject({ code: "slack_webapi_rate_limited_error", retryAfter: 1 });

    standIn.failNext("users.info", { error: "fatal_error", times: 2 });
    expect((await errorOf(web.users.info({ user: "U1" }))).error).toBe("fatal_error");
    expect((await errorOf(web.users.info({ user: "U1" }))).error).toBe("fatal_error");
    expect((await web.users.info({ user: "U1" })).user?.name).toBe("alice");

    standIn.failNext("auth.test", { status: 500 });
    expect(await errorOf(web.auth.test())).toMatchObject({ code: "slack_webapi_http_error", statusCode: 500 });
    expect(standIn.callsTo("users.info").map((c) => Boolean(c.failed))).toEqual([true, true, false]);
  });

  it("delays answers per method", async () => {
    standIn.delay("auth.test", 60);
    const t0 = performance.now();
    await web.auth.test();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it("answers users.info, usergroups.users.list and conversations.open", async () => {
    expect((await web.users.info({ user: "U1" })).user).toMatchObject({ id: "U1", name: "alice", profile: { email: "alice@example.com" } });
    expect((await errorOf(web.users.info({ user: "U404" }))).error).toBe("user_not_found");
    expect((await web.usergroups.users.list({ usergroup: "S1" })).users).toEqual(["U1", "U2"]);
    expect((await errorOf(web.usergroups.users.list({ usergroup: "S9" }))).error).toBe("no_such_subteam");
    expect((await web.conversations.open({ users: "U1" })).channel?.id).toBe("DU1");
  });

  it("allows a response_url 5 times, then answers 404", async () => {
    const url = standIn.responseUrl();
    const post = () =>
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "hi" }) });
    for (let i = 0; i < 5; i++) expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(404);
    expect(standIn.callsTo("response_url")).toHaveLength(6);
    const bad = await fetch(standIn.responseUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ blocks: Array.from({ length: 51 }, () => ({ type: "divider" })) }),
    });
    expect(bad.status).toBe(400);
    expect(standIn.violations).toHaveLength(1);
  });

  it("waitFor reports the recorded methods on timeout", async () => {
    await web.auth.test();
    await expect(standIn.waitFor((c) => c.some((x) => x.method === "views.open"), 50)).rejects.toThrow(/auth\.test/);
  });

  it("escapes slash command text like Slack", () => {
    expect(escapeCommandText("a & b <@U1|alice> <x> <#C1|gen>")).toBe("a &amp; b <@U1|alice> &lt;x&gt; <#C1|gen>");
  });
});

describe("SlackClient against a Bolt app (HTTPReceiver)", () => {
  let standIn: SlackStandIn;
  let app: App;
  let client: SlackClient;
  let logger: ReturnType<typeof quietLogger>;
  let lastSubmission: any;

  beforeAll(async () => {
    standIn = await SlackStandIn.start();
    logger = quietLogger();
    app = new App({
      token: "xoxb-test",
      signingSecret: SECRET,
      logger,
      clientOptions: { slackApiUrl: standIn.url, retryConfig: { retries: 0 } },
    });
    app.command("/apps", async ({ ack, body, client: web, respond }) => {
      await ack();
      if (body.text === "respond") {
        await respond({ text: "hello", response_type: "ephemeral" });
        return;
      }
      await web.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: "modal",
          callback_id: "create",
          title: plain("Create key"),
          submit: plain("Create"),
          blocks: [
            {
              type: "input",
              block_id: "name",
              label: plain("Name"),
              element: { type: "plain_text_input", action_id: "v", max_length: 40 },
            },
            {
              type: "input",
              block_id: "env",
              label: plain("Environment"),
              element: { type: "static_select", action_id: "v", options: [option("prod", "Production"), option("dev", "Development")] },
            },
            {
              type: "input",
              block_id: "owner",
              optional: true,
              label: plain("Owner"),
              element: { type: "external_select", action_id: "v" },
            },
            { type: "actions", block_id: "act", elements: [{ type: "button", action_id: "refresh", text: plain("Refresh"), value: "r1" }] },
          ],
        },
      });
    });
    app.view("create", async ({ ack, view }) => {
      lastSubmission = view;
      const name = view.state.values.name?.v?.value;
      if (name === "bad") await ack({ response_action: "errors", errors: { name: "Not allowed" } });
      else if (name === "close") await ack();
      else
        await ack({
          response_action: "update",
          view: { type: "modal", title: plain("Done"), blocks: [{ type: "section", text: { type: "mrkdwn", text: `Created ${name}` } }] },
        });
    });
    app.action("refresh", async ({ ack, body, client: web }) => {
      await ack();
      const view = (body as any).view;
      await web.views.update({ view_id: view.id, hash: view.hash, view: { type: "modal", title: plain("Refreshed"), blocks: [] } });
    });
    app.options<"block_suggestion">({ action_id: "v" }, async ({ ack, body }) => {
      await ack({ options: [option(`${body.value}-1`), option(`${body.value}-2`)] });
    });
    app.event("app_home_opened", async ({ event, client: web }) => {
      await web.views.publish({
        user_id: event.user,
        view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "Home" } }] },
      });
    });
    const server = (await app.start(0)) as Server;
    const port = (server.address() as AddressInfo).port;
    client = new SlackClient({ appUrl: `http://127.0.0.1:${port}`, signingSecret: SECRET, standIn });
  });

  afterAll(async () => {
    await app.stop();
    await standIn.close();
  });

  beforeEach(() => {
    standIn.clear();
  });

  it("signs requests the way Bolt verifies them", () => {
    const body = "a=1&b=2";
    const ts = Math.floor(Date.now() / 1000);
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body,
        headers: { "x-slack-signature": client.sign(body, ts), "x-slack-request-timestamp": ts },
      }),
    ).not.toThrow();
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body,
        headers: { "x-slack-signature": client.sign(body, ts, "other"), "x-slack-request-timestamp": ts },
      }),
    ).toThrow(/signature mismatch/);
  });

  it("runs a slash command that opens a modal, then submits it", async () => {
    const res = await client.command("", { userId: "U1" });
    expect(res).toMatchObject({ status: 200, body: "" });
    const open = await standIn.waitForCall("views.open");
    expect(open.response.ok).toBe(true);
    const viewId = open.response.view.id as string;
    expect(standIn.callsTo("auth.test").length).toBeLessThanOrEqual(1);

    const errors = await client.submitView(viewId, { name: "bad", env: "prod" }, { userId: "U1" });
    expect(errors.body).toEqual({ response_action: "errors", errors: { name: "Not allowed" } });
    expect(standIn.isOpen(viewId)).toBe(true);
    expect(lastSubmission.state.values).toEqual({
      name: { v: { type: "plain_text_input", value: "bad" } },
      env: { v: { type: "static_select", selected_option: option("prod", "Production") } },
      owner: { v: { type: "external_select", selected_option: null } },
    });

    const done = await client.submitView(viewId, { name: "k1", env: "dev", owner: "team-a" }, { userId: "U1" });
    expect(done.outcome).toEqual({ action: "updated", viewId });
    expect(standIn.currentView(viewId).title.text).toBe("Done");
    expect(standIn.allText()).toContain("Created k1");
    expect(standIn.violations).toEqual([]);
  });

  it("closes the modal on an empty ack; later views.update fails with not_found", async () => {
    await client.command("", { userId: "U1" });
    const viewId = (await standIn.waitForCall("views.open")).response.view.id as string;
    await expect(client.submitView(viewId, { env: "prod" }, { userId: "U1", clientValidation: true })).rejects.toThrow(
      /required and empty/,
    );
    const res = await client.submitView(viewId, { name: "close", env: "prod" }, { userId: "U1" });
    expect(res.body).toBe("");
    expect(res.outcome?.action).toBe("closed");
    expect(standIn.isOpen(viewId)).toBe(false);
    await expect(client.blockAction({ userId: "U1", actionId: "refresh", viewId })).rejects.toThrow(/closed/);
    expect((await errorOf(webClient(standIn).views.update({ view_id: viewId, view: modal() as any }))).error).toBe("not_found");
  });

  it("delivers block actions, suggestions and events", async () => {
    await client.command("", { userId: "U1" });
    const viewId = (await standIn.waitForCall("views.open")).response.view.id as string;

    const sugg = await client.blockSuggestion({ userId: "U1", viewId, actionId: "v", blockId: "owner", value: "te" });
    expect(sugg.body.options.map((o: any) => o.value)).toEqual(["te-1", "te-2"]);

    const act = await client.blockAction({ userId: "U1", viewId, actionId: "refresh" });
    expect(act.status).toBe(200);
    const upd = await standIn.waitForCall("views.update");
    expect(upd.response.ok).toBe(true);
    expect(standIn.currentView(viewId).title.text).toBe("Refreshed");

    const ev = await client.appHomeOpened("U7", { retryNum: 1 });
    expect(ev.status).toBe(200);
    await standIn.waitForCall("views.publish");
    expect(standIn.homeView("U7").blocks).toHaveLength(1);

    await client.command("respond", { userId: "U1" });
    const r = await standIn.waitForCall("response_url");
    expect(r).toMatchObject({ status: 200, args: { text: "hello", response_type: "ephemeral" } });
    expect(standIn.violations).toEqual([]);
  });

  it("is rejected by Bolt with HTTP 401 when stale or badly signed", async () => {
    const stale = await client.command("", { userId: "U1", ts: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    const bad = await client.command("", { userId: "U1", badSignature: true });
    expect(bad.status).toBe(401);
    expect(logger.warnings.join("\n")).toMatch(/stale[\s\S]*signature mismatch/);
    expect(standIn.callsTo("views.open")).toHaveLength(0);
  });

  it("Bolt needs the exact form content type (a charset suffix makes it a 400)", async () => {
    const res = await client.send("command=%2Fapps&text=", "application/x-www-form-urlencoded; charset=utf-8");
    expect(res.status).toBe(400);
  });
});
