import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACT, BLK, CB } from "../../src/platform/slack/ids.js";
import { createAppViaSlack, slackSettled } from "../support/flows.js";
import { TEAM, startHarness, type Harness } from "../support/harness.js";
import type { SlackResponse } from "../support/slack-client.js";

/**
 * Seeded fuzzing of every Slack surface through the real HTTP receiver: hostile and malformed
 * commands, block actions, view submissions, options requests, events and raw bodies, sent by
 * strangers at an owner's app. Every answer must come well within Slack's 3 s, never be a 5xx,
 * log nothing at error level, and leave the owner's data as it was. FUZZ_SEED=<n> replays a run;
 * FUZZ_CASES=<n> changes the number of cases per surface.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 1414);
const PER_SURFACE = Number(process.env.FUZZ_CASES ?? 1000);
const CONCURRENCY = 6;
/** "Well within 3 s" on a loaded two-core machine. */
const MAX_MS = 2000;

const OWNER = "UFUZZOWN1";
const STRANGERS = ["UFUZZSTR1", "UFUZZSTR2", "WFUZZSTR3"];
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  surface: string;
  n: number;
  send: () => Promise<SlackResponse>;
  /** Statuses this case may get (never a 5xx). */
  allowed: number[];
}

describe(`fuzzing the Slack edge (seed ${SEED}, ${PER_SURFACE} cases per surface)`, () => {
  let h: Harness;
  let publicId: string;
  let appId: string;
  let credentialId: string;
  let modalId: string;
  const rand = mulberry32(SEED);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => rand() < p;
  /**
   * Half the cases are well-formed (hostile values in the right shape: they reach the listeners);
   * in the other half each field breaks with the given odds.
   */
  let breaking = false;
  const broken = (p = 0.15) => breaking && chance(p);

  beforeAll(async () => {
    h = await startHarness({ env: { ADMIN_USER_IDS: "UFUZZADM1" } });
    const r = await createAppViaSlack(h, { userId: OWNER, title: "Fuzz target" });
    publicId = r.app!.publicId;
    appId = r.app!.id;
    modalId = r.viewId;
    credentialId = (await h.prisma.credential.findFirstOrThrow({ where: { appId } })).id;
    await slackSettled(h);
  });
  afterAll(async () => h?.close());

  /** Everything of the owner's: the app, its keys, owners, endpoints, approvals, reminders, audit trail. */
  async function ownersData(): Promise<string> {
    const app = await h.prisma.app.findUniqueOrThrow({
      where: { id: appId },
      include: { owners: true, endpoints: true, credentials: { include: { reminders: true } }, approvals: true },
    });
    const audit = await h.prisma.auditEvent.findMany({ where: { appId }, orderBy: { id: "asc" } });
    const settings = await h.prisma.setting.findMany({ orderBy: { key: "asc" } });
    return JSON.stringify({ app, audit, settings }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  }

  // ------------------------------------------------------------------ generators

  const junkText = (): string => {
    const len = pick([0, 1, 5, 20, 80, 300, 3001, 12_001]);
    const alphabet = pick(["abcXYZ019 ", "<>&@!#|^*`~_", "\u0000\u0007\u200b\u202e\u2028\ufeff", "é漢字🔑👩‍👩‍👧", "\"'\\{}[]:,", "%&=+?"]);
    let s = "";
    for (let i = 0; i < len; i++) s += alphabet[int(alphabet.length)] ?? "";
    return s;
  };
  const hostileText = (): string => {
    const i = int(18);
    if (i >= 17) return junkText();
    return [
      "",
      " ",
      publicId,
      credentialId,
      publicId.toLowerCase(),
      `${publicId} ${OWNER}`,
      "<!channel>",
      `<@${OWNER}|owner>`,
      "&lt;script&gt;",
      "' OR 1=1 --",
      "../../etc/passwd",
      "null",
      "{}",
      "1e309",
      `sk_prod_${"a1".repeat(19)}`,
      JSON.stringify({ a: publicId, d: modalId }),
      "x".repeat(2000),
    ][i]!;
  };
  const anyValue = (): unknown =>
    pick([hostileText(), hostileText(), hostileText(), 12345, -1, 0, 1.5, null, true, {}, [], { value: publicId }, [publicId], undefined]);
  /** Some value where a string is expected: usually text, when breaking anything. */
  const valueOrJunk = (): unknown => (broken(0.3) ? anyValue() : hostileText());
  const actorId = (): unknown =>
    broken() ? pick(["", "U", "u1234", "U".repeat(60), "U123\n", 42, null, undefined]) : pick([...STRANGERS, "UFUZZADM1"]);
  const teamId = (): unknown => (broken(0.1) ? pick(["", "t1", 7, null, undefined]) : pick([TEAM, TEAM, TEAM, "T0002"]));

  const interactionBase = () => {
    const user = broken(0.1) ? pick([undefined, null, "U1", { name: "x" }]) : { id: actorId(), username: "x", team_id: teamId() };
    const team = broken(0.1) ? pick([undefined, null, "T0001"]) : { id: teamId(), domain: "fuzz" };
    return { user, team, api_app_id: h.slack.apiAppId, token: "verification-token", enterprise: broken(0.05) ? { id: 5 } : null };
  };
  const triggerId = () => (broken() ? pick([5, null, "x".repeat(300)]) : chance(0.85) ? h.standIn.issueTriggerId() : pick(["", "junk"]));
  const responseUrl = () =>
    broken() ? pick([undefined, "", "javascript:x", 9]) : chance(0.9) ? h.standIn.responseUrl() : `${h.standIn.url}nowhere`;
  const actionIds = [...Object.values(ACT), "app_list_page2", "APP_DETAILS", "x".repeat(255)];
  const callbackIds = [...Object.values(CB), "", "unknown_modal"];
  const blockIds = Object.values(BLK);

  const stateValues = () => {
    if (broken(0.1)) return pick([null, [], "values", { a: 1 }, { title: { title_input: null } }]);
    const values: Record<string, Record<string, unknown>> = {};
    for (let i = int(6); i > 0; i--) {
      const block = pick(blockIds);
      const action = chance(0.9) ? pick(Object.values(ACT)) : hostileText().slice(0, 255);
      const text = () => valueOrJunk();
      const id = () => (broken(0.3) ? anyValue() : pick([...STRANGERS, OWNER, "C0GENERAL", "C1"]));
      values[block] = {
        [action]: pick([
          { type: "plain_text_input", value: text() },
          { type: "static_select", selected_option: broken(0.2) ? anyValue() : { value: pick([text(), "production", "now", "7", "30"]) } },
          { type: "multi_static_select", selected_options: [{ value: text() }, { value: pick([credentialId, publicId]) }] },
          { type: "users_select", selected_user: id() },
          { type: "conversations_select", selected_conversation: id() },
          { type: broken(0.5) ? 5 : "datepicker", selected_date: "2026-01-01" },
        ]),
      };
    }
    return values;
  };
  const privateMetadata = (): unknown =>
    broken(0.2)
      ? pick(["x".repeat(3001), 7, null])
      : pick([
          "",
          JSON.stringify({ a: publicId }),
          JSON.stringify({ a: publicId, d: modalId }),
          JSON.stringify({ appId: publicId, credentialId }),
          JSON.stringify({ c: credentialId, a: publicId, r: "now" }),
          JSON.stringify({ t: "Fuzz target", d: "" }),
          JSON.stringify({ t: hostileText(), d: hostileText() }),
          hostileText(),
        ]);
  const view = (): unknown =>
    broken(0.1)
      ? pick([undefined, null, "V1", []])
      : {
          id: broken() ? pick(["", "v1", 7, null]) : pick([modalId, "V0FUZZ01", "V0FUZZ02"]),
          type: "modal",
          callback_id: broken(0.1) ? pick([5, null, "x".repeat(300)]) : pick(callbackIds),
          private_metadata: privateMetadata(),
          state: broken(0.1) ? pick([null, "x", {}]) : { values: stateValues() },
          hash: "1.abc",
        };

  function command(): Case["send"] {
    const fields: Record<string, unknown> = {
      token: "verification-token",
      team_id: teamId(),
      team_domain: "fuzz",
      channel_id: broken(0.1) ? pick(["", "c1", 5]) : pick(["C0GENERAL", "D0FUZZ"]),
      channel_name: "general",
      user_id: actorId(),
      user_name: "fuzz",
      command: broken(0.2) ? pick(["/", "apps", "/apps /apps", ""]) : chance(0.85) ? "/apps" : pick(["/APPS", "/apps2", "/approvals"]),
      text: chance(0.6)
        ? `${pick(["show", "archive", "keys", "share", "unshare", "settings", "approvals", "list", "help", "create", "revoke", "audit", ""])} ${hostileText()}`
        : hostileText(),
      api_app_id: h.slack.apiAppId,
      is_enterprise_install: "false",
      response_url: responseUrl(),
      trigger_id: triggerId(),
    };
    if (broken(0.1)) delete fields[pick(Object.keys(fields))];
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.append(k, String(v));
    if (broken(0.1)) form.append(pick(["user_id", "command", "text"]), "U2");
    const raw = form.toString();
    return () => h.slack.send(raw, FORM);
  }

  function blockAction(): Case["send"] {
    const action: Record<string, unknown> = {
      type: pick(["button", "button", "static_select", "overflow", "users_select", 3]),
      action_id: broken() ? pick([42, null, undefined, ["app_details"], "x".repeat(300)]) : pick(actionIds),
      block_id: broken(0.1) ? pick([7, null, "x".repeat(300)]) : pick([...blockIds, "b1"]),
      action_ts: "1.0",
    };
    if (chance(0.8)) action.value = chance(0.7) ? pick([publicId, credentialId, `${publicId} ${OWNER}`, "0", "1"]) : valueOrJunk();
    if (chance(0.15)) action.selected_option = broken(0.3) ? anyValue() : { value: hostileText().slice(0, 200) };
    if (chance(0.05)) action.selected_user = broken(0.5) ? anyValue() : pick(STRANGERS);
    const inView = chance(0.35);
    const payload: Record<string, unknown> = {
      type: "block_actions",
      ...interactionBase(),
      trigger_id: triggerId(),
      actions: broken(0.1) ? pick([[], null, "x", Array(30).fill(action)]) : chance(0.95) ? [action] : [action, action],
      container: inView ? { type: "view", view_id: modalId } : { type: "message", channel_id: "C0GENERAL", message_ts: "1.0" },
    };
    if (inView) payload.view = view();
    else {
      payload.response_url = responseUrl();
      payload.channel = broken(0.1) ? pick([null, "C1", { id: 5 }]) : { id: "C0GENERAL" };
    }
    return () => h.slack.interactive(payload);
  }

  function viewSubmission(): Case["send"] {
    const payload = {
      type: chance(0.9) ? "view_submission" : "view_closed",
      ...interactionBase(),
      trigger_id: triggerId(),
      view: view(),
      response_urls: broken(0.1) ? pick([null, [{ response_url: 5 }], "x"]) : [],
    };
    return () => h.slack.interactive(payload);
  }

  function optionsRequest(): Case["send"] {
    const payload: Record<string, unknown> = {
      type: "block_suggestion",
      ...interactionBase(),
      action_id: broken() ? pick([5, null, ""]) : chance(0.8) ? ACT.endpoints : pick(actionIds),
      block_id: broken() ? pick([5, null]) : pick([BLK.endpoints, "x"]),
      value: valueOrJunk(),
      container: { type: "view", view_id: modalId },
    };
    if (chance(0.8)) payload.view = view();
    return () => h.slack.interactive(payload);
  }

  function event(): Case["send"] {
    const kind = pick(["home", "home", "home", "other", "other", breaking ? "broken" : "home", "rate", "challenge"]);
    if (kind === "rate") {
      const body = { token: "t", type: "app_rate_limited", team_id: teamId(), minute_rate_limited: anyValue(), api_app_id: "A1" };
      return () => h.slack.send(JSON.stringify(body), JSON_TYPE);
    }
    if (kind === "challenge") {
      const body = { token: "t", type: "url_verification", challenge: anyValue() };
      return () => h.slack.send(JSON.stringify(body), JSON_TYPE);
    }
    const inner =
      kind === "home"
        ? {
            type: "app_home_opened",
            user: broken(0.3) ? pick(["", 5, { id: "U1" }, undefined]) : actorId(),
            channel: broken(0.2) ? anyValue() : "D0FUZZ",
            tab: pick(["home", "home", "messages", "", 5]),
            ...(chance(0.3) ? { view: broken(0.5) ? pick([null, "V1"]) : { id: "V0FUZZ01", type: "home" } } : {}),
          }
        : kind === "other"
          ? {
              type: pick(["message", "member_joined_channel", "app_mention", "reaction_added", "tokens_revoked", "app_uninstalled"]),
              user: actorId(),
              channel: broken() ? pick([null, 5]) : pick(["C0GENERAL", { id: "C1" }]),
              text: hostileText(),
              ...(chance(0.3) ? { item: broken(0.5) ? pick([null, "x", { channel: 5 }]) : { channel: "C1" } } : {}),
            }
          : pick([null, "app_home_opened", 5, [], {}, { type: 5 }, { type: "" }]);
    const body: Record<string, unknown> = {
      token: "verification-token",
      team_id: teamId(),
      api_app_id: h.slack.apiAppId,
      type: broken(0.1) ? pick(["event", "", 5]) : "event_callback",
      event_id: broken(0.1) ? anyValue() : `Ev${int(1e9)}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: broken(0.1) ? pick([null, [null], [{ team_id: 5 }], "x"]) : [{ team_id: TEAM, user_id: "UBOT", is_bot: true }],
    };
    if (!broken(0.05)) body.event = inner;
    return () => h.slack.send(JSON.stringify(body), JSON_TYPE);
  }

  function rawBody(): { send: Case["send"]; allowed: number[] } {
    const signed = { allowed: [200, 400, 413] };
    const shape = int(9);
    const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);
    let raw: string;
    let type = pick([FORM, FORM, JSON_TYPE, JSON_TYPE, `${FORM}; charset=utf-8`, "text/plain", "multipart/form-data; boundary=x"]);
    switch (shape) {
      case 0:
        raw = `payload=${encodeURIComponent(pick(["null", "5", '"x"', "[]", "{", "{}", "true", '{"type":null}', hostileText()]))}`;
        type = FORM;
        break;
      case 1:
        raw = pick(["null", "true", "[]", "0", '""', "{", '{"type":1}', '{"event":null}', '{"command":5}', '{"actions":{}}']);
        type = JSON_TYPE;
        break;
      case 2:
        raw = nested(pick([10, 1000, 20_000]));
        break;
      case 3:
        raw = junkText();
        break;
      case 4:
        raw = `payload=${encodeURIComponent(JSON.stringify({ type: pick(["block_actions", "view_submission", "shortcut"]), ...interactionBase(), actions: anyValue(), view: anyValue() }))}`;
        type = FORM;
        break;
      case 5:
        raw = `${"a=b&".repeat(int(2000))}command=${encodeURIComponent(pick(["/apps", "/x"]))}`;
        type = FORM;
        break;
      case 6:
        raw = Buffer.from(Array.from({ length: int(400) }, () => int(256))).toString("latin1");
        break;
      case 7:
        raw = "x".repeat(pick([0, 1, 100_000, 300_000]));
        break;
      default: {
        // Unsigned, wrongly signed or stale: refused before anything reads the body.
        raw = pick([
          "payload=null",
          '{"type":"event_callback","event":{"type":"app_home_opened","user":"U1"}}',
          "command=%2Fapps&text=list",
        ]);
        const how = pick([{ badSignature: true }, { ts: Math.floor(Date.now() / 1000) - 600 }, { headers: { "X-Slack-Signature": "" } }]);
        return { send: () => h.slack.send(raw, type, how), allowed: [401] };
      }
    }
    return { send: () => h.slack.send(raw, type), allowed: signed.allowed };
  }

  // ------------------------------------------------------------------ the run

  async function runAll(cases: Case[]) {
    const results: Array<{ c: Case; res?: SlackResponse; error?: unknown }> = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        try {
          results.push({ c, res: await c.send() });
        } catch (error) {
          results.push({ c, error });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return results;
  }

  it("never crashes, never answers 5xx or late, logs no error and changes none of the owner's data", { timeout: 180_000 }, async () => {
    const before = await ownersData();
    const lostFailures: unknown[] = [];
    const onLost = (e: unknown) => lostFailures.push(e);
    process.on("unhandledRejection", onLost);
    process.on("uncaughtException", onLost);
    const logStart = h.logs.length;
    const cases: Case[] = [];
    const add = (surface: string, make: () => Case["send"] | { send: Case["send"]; allowed: number[] }, allowed = [200]) => {
      for (let n = 0; n < PER_SURFACE; n++) {
        breaking = chance(0.5);
        const made = make();
        cases.push(typeof made === "function" ? { surface, n, send: made, allowed } : { surface, n, ...made });
      }
    };
    add("commands", command);
    add("block actions", blockAction);
    add("view submissions", viewSubmission);
    add("options", optionsRequest);
    add("events", event);
    add("raw bodies", rawBody);
    // Interleave the surfaces, as real traffic would be.
    const order = cases.map((c) => ({ c, k: rand() })).sort((a, b) => a.k - b.k);

    const started = performance.now();
    let results: Awaited<ReturnType<typeof runAll>>;
    try {
      results = await runAll(order.map((o) => o.c));
      await slackSettled(h, 300, 60_000);
    } finally {
      process.off("unhandledRejection", onLost);
      process.off("uncaughtException", onLost);
    }
    const elapsed = performance.now() - started;

    const describe = (r: (typeof results)[number]) => `${r.c.surface} #${r.c.n} (seed ${SEED})`;
    const failedToSend = results.filter((r) => r.error).map((r) => `${describe(r)}: ${String(r.error)}`);
    const wrongStatus = results
      .filter((r) => r.res && !r.c.allowed.includes(r.res.status))
      .map((r) => `${describe(r)}: ${r.res!.status} ${JSON.stringify(r.res!.body).slice(0, 200)}`);
    const slow = results.filter((r) => r.res && r.res.ms > MAX_MS).map((r) => `${describe(r)}: ${Math.round(r.res!.ms)} ms`);
    const ms = results.map((r) => r.res?.ms ?? 0).sort((a, b) => a - b);
    const p = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!);
    const errors = h.logs
      .slice(logStart)
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50)
      .map((l) => JSON.stringify(l).slice(0, 400));
    const malformed = h.logs.slice(logStart).filter((l) => l.includes("malformed Slack payload")).length;
    const statuses: Record<string, number> = { malformed };
    for (const r of results)
      statuses[`${r.c.surface} ${r.res?.status ?? "error"}`] = (statuses[`${r.c.surface} ${r.res?.status ?? "error"}`] ?? 0) + 1;
    console.info(
      `fuzz: ${results.length} requests in ${Math.round(elapsed)} ms; latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms;`,
      JSON.stringify(statuses),
    );

    expect(results).toHaveLength(6 * PER_SURFACE);
    expect(failedToSend).toEqual([]);
    expect(lostFailures.map(String)).toEqual([]);
    expect(wrongStatus).toEqual([]);
    expect(slow).toEqual([]);
    expect(errors).toEqual([]);
    expect(h.standIn.violations).toEqual([]);
    expect(await ownersData()).toBe(before);

    // Still serving: the owner can use the app as before.
    const list = await h.slack.command("list", { userId: OWNER });
    expect(list.status).toBe(200);
    await h.standIn.waitFor((c) => c.some((x) => x.method === "response_url" && JSON.stringify(x.args).includes(publicId)));
  });
});
