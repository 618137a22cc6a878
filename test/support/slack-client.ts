/**
 * Sends correctly signed Slack requests (slash commands, interactivity, events) to an app's
 * `/slack/events` endpoint, the way Slack does, using a SlackStandIn for trigger ids, response
 * URLs and the current state of views.
 */
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { SlackStandIn, ViewResponseOutcome } from "./slack-standin.js";
import type { JsonObject, StoredMessage, StoredView, WireJson } from "./slack-standin/types.js";

export interface SlackClientOptions {
  /** e.g. http://127.0.0.1:PORT (no trailing path) */
  appUrl: string;
  signingSecret: string;
  standIn: SlackStandIn;
  /** default: the stand-in's team id (T0001 unless configured) */
  teamId?: string;
  /** Path of the Bolt endpoint, default /slack/events */
  path?: string;
  /**
   * Deliver requests some other way than a signed HTTP POST (Socket Mode: see
   * socket-mode-standin.ts). Gets the body as Slack would POST it; answers with the ack.
   */
  transport?: (rawBody: string, contentType: string) => Promise<{ status: number; text: string }>;
}

/** Signing overrides, accepted by every request method. */
export interface SignOptions {
  /** Override X-Slack-Request-Timestamp (seconds), e.g. to send a stale request. */
  ts?: number;
  /** Sign with a wrong secret. */
  badSignature?: boolean;
  /** Extra HTTP headers. */
  headers?: Record<string, string>;
}

export interface SlackResponse {
  status: number;
  /** Parsed JSON if possible, else the text; '' when empty. */
  body: WireJson;
  ms: number;
}

export interface SubmitResponse extends SlackResponse {
  /** What the stand-in did with the ack (closed / updated / pushed / errors / rejected); absent when status != 200. */
  outcome?: ViewResponseOutcome;
}

export interface CommandOptions extends SignOptions {
  userId: string;
  channelId?: string;
  channelName?: string;
  /** default '/apps' */
  command?: string;
  /**
   * How Slack sends what the user typed. Write mentions in the text as Slack's tokens
   * (<@U1|name>, <#C1|x>, <!subteam^S1|@g>, <https://x|y>): "manifest" (the default) sends them
   * as Slack would for the command's `should_escape` in manifest.yml, "raw" sends the text as
   * it is.
   */
  escape?: "manifest" | "raw";
}

export interface BlockActionOptions extends SignOptions {
  userId: string;
  actionId: string;
  blockId?: string;
  value?: string;
  selectedOption?: { value: string };
  /** Selected values for multi selects / checkboxes. */
  selectedOptions?: Array<{ value: string }>;
  /** Action inside a modal or Home tab: the stand-in's current view is sent as payload.view. */
  viewId?: string;
  channelId?: string;
  messageTs?: string;
  container?: JsonObject;
}

export interface SubmitViewOptions extends SignOptions {
  userId: string;
  /**
   * Slack's own UI refuses to submit a modal with an empty required input, a text shorter/longer
   * than min_length/max_length or too many selected items. With `clientValidation: true` this
   * method throws in those cases too (default false: send anything, to test server-side checks).
   */
  clientValidation?: boolean;
}

export interface BlockSuggestionOptions extends SignOptions {
  userId: string;
  viewId: string;
  actionId: string;
  blockId: string;
  value: string;
}

export interface EventOptions extends SignOptions {
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
}

export class SlackClient {
  readonly appUrl: string;
  readonly endpoint: string;
  readonly teamId: string;
  readonly apiAppId: string;
  private readonly signingSecret: string;
  private readonly standIn: SlackStandIn;
  private readonly transport: SlackClientOptions["transport"];

  constructor(opts: SlackClientOptions) {
    this.transport = opts.transport;
    this.appUrl = opts.appUrl.replace(/\/+$/, "");
    this.endpoint = `${this.appUrl}${opts.path ?? "/slack/events"}`;
    this.signingSecret = opts.signingSecret;
    this.standIn = opts.standIn;
    this.teamId = opts.teamId ?? opts.standIn.teamId;
    this.apiAppId = opts.standIn.appId;
  }

  /** The X-Slack-Signature value for a body and timestamp. */
  sign(rawBody: string, ts: number, secret = this.signingSecret): string {
    return `v0=${createHmac("sha256", secret).update(`v0:${ts}:${rawBody}`).digest("hex")}`;
  }

  /** Send any raw body, signed. */
  async send(rawBody: string, contentType: string, opts: SignOptions = {}): Promise<SlackResponse> {
    const ts = opts.ts ?? Math.floor(Date.now() / 1000);
    const signature = this.sign(rawBody, ts, opts.badSignature ? `wrong-${this.signingSecret}` : this.signingSecret);
    const started = performance.now();
    const res = this.transport
      ? await this.transport(rawBody, contentType).then((r) => ({ status: r.status, text: async () => r.text }))
      : await fetch(this.endpoint, {
          method: "POST",
          headers: {
            "Content-Type": contentType,
            "X-Slack-Request-Timestamp": String(ts),
            "X-Slack-Signature": signature,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            ...(opts.headers ?? {}),
          },
          body: rawBody,
        });
    const text = await res.text();
    const ms = performance.now() - started;
    let body: unknown = text;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, body, ms };
  }

  /** Send an interactivity payload (`payload=<json>`) as is. */
  async interactive(payload: unknown, opts: SignOptions = {}): Promise<SlackResponse> {
    const raw = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(raw, "application/x-www-form-urlencoded", opts);
  }

  async command(text: string, opts: CommandOptions): Promise<SlackResponse> {
    const channelId = opts.channelId ?? "C0GENERAL";
    const fields: Record<string, string> = {
      token: "verification-token",
      team_id: this.teamId,
      team_domain: this.standIn.teamDomain,
      channel_id: channelId,
      channel_name: opts.channelName ?? (channelId.startsWith("D") ? "directmessage" : "general"),
      user_id: opts.userId,
      user_name: this.userName(opts.userId),
      command: opts.command ?? "/apps",
      text: opts.escape === "raw" ? text : commandTextAsSlackSends(text, shouldEscape(opts.command ?? "/apps")),
      api_app_id: this.apiAppId,
      is_enterprise_install: "false",
      response_url: this.standIn.responseUrl(),
      trigger_id: this.standIn.issueTriggerId(),
    };
    return this.send(new URLSearchParams(fields).toString(), "application/x-www-form-urlencoded", opts);
  }

  async blockAction(opts: BlockActionOptions): Promise<SlackResponse> {
    const base = this.interactionBase(opts.userId);
    let found: FoundElement | undefined;
    let extra: JsonObject;
    if (opts.viewId !== undefined) {
      const view = this.openView(opts.viewId);
      found = findElement(view.blocks, opts.actionId, opts.blockId);
      if (!found) {
        throw new Error(
          `blockAction: no element with action_id ${opts.actionId}${opts.blockId ? ` in block ${opts.blockId}` : ""} in view ${opts.viewId}; ` +
            `action_ids there: ${listActionIds(view.blocks).join(", ") || "(none)"}`,
        );
      }
      extra = {
        container: opts.container ?? { type: "view", view_id: view.id },
        trigger_id: this.standIn.issueTriggerId(view.id),
        view,
      };
    } else {
      const channelId = opts.channelId ?? "C0GENERAL";
      const stored: StoredMessage | undefined = opts.messageTs ? this.standIn.message(channelId, opts.messageTs) : undefined;
      if (stored) found = findElement(Array.isArray(stored.blocks) ? stored.blocks : [], opts.actionId, opts.blockId);
      const { channel: _ch, ...message } = stored ?? {};
      extra = {
        container: opts.container ?? {
          type: "message",
          message_ts: opts.messageTs ?? "",
          channel_id: channelId,
          is_ephemeral: !stored,
        },
        trigger_id: this.standIn.issueTriggerId(),
        channel: { id: channelId, name: channelId.startsWith("D") ? "directmessage" : "general" },
        ...(stored ? { message } : {}),
        state: { values: {} },
        response_url: this.standIn.responseUrl(),
      };
    }
    const element = found?.element;
    const type =
      typeof element?.type === "string"
        ? element.type
        : opts.selectedOption
          ? "static_select"
          : opts.selectedOptions
            ? "multi_static_select"
            : "button";
    const action: JsonObject = {
      type,
      action_id: opts.actionId,
      block_id: found?.blockId ?? opts.blockId ?? "block",
      action_ts: actionTs(),
    };
    const single = (strict: boolean) => {
      if (opts.selectedOption) action.selected_option = optionFor(element, opts.selectedOption.value, strict);
    };
    const multi = (strict: boolean) => {
      const vals = opts.selectedOptions ?? (opts.selectedOption ? [opts.selectedOption] : []);
      action.selected_options = vals.map((o) => optionFor(element, o.value, strict));
    };
    switch (type) {
      case "button": {
        if (element?.text) action.text = element.text;
        const value = opts.value ?? element?.value;
        if (value !== undefined) action.value = value;
        if (element?.style) action.style = element.style;
        break;
      }
      case "static_select":
      case "overflow":
      case "radio_buttons":
        single(true);
        break;
      case "external_select":
        single(false);
        break;
      case "multi_static_select":
      case "checkboxes":
        multi(true);
        break;
      case "multi_external_select":
        multi(false);
        break;
      case "users_select":
        action.selected_user = opts.value;
        break;
      case "conversations_select":
        action.selected_conversation = opts.value;
        break;
      case "channels_select":
        action.selected_channel = opts.value;
        break;
      case "datepicker":
        action.selected_date = opts.value;
        break;
      default:
        if (opts.value !== undefined) action.value = opts.value;
        if (opts.selectedOption) single(false);
    }
    return this.interactive({ type: "block_actions", ...base, ...extra, actions: [action] }, opts);
  }

  async submitView(viewId: string, values: Record<string, unknown>, opts: SubmitViewOptions): Promise<SubmitResponse> {
    const view = this.openView(viewId);
    if (view.type !== "modal") throw new Error(`submitView: view ${viewId} is a ${String(view.type)}, not a modal`);
    const stack = this.standIn.stackOf(viewId);
    if (stack[stack.length - 1] !== viewId) {
      throw new Error(`submitView: view ${viewId} is not on top of its stack (${stack.join(" > ")}); the user cannot submit it`);
    }
    if (!view.submit) throw new Error(`submitView: view ${viewId} has no submit button`);
    const state = buildStateValues(view.blocks ?? [], values, opts.clientValidation === true);
    const payload = {
      type: "view_submission",
      ...this.interactionBase(opts.userId),
      trigger_id: this.standIn.issueTriggerId(viewId),
      view: { ...view, state: { values: state } },
      response_urls: [],
    };
    const res: SubmitResponse = await this.interactive(payload, opts);
    if (res.status === 200) res.outcome = this.standIn.applyViewResponse(viewId, res.body);
    return res;
  }

  /** Closes a modal with the X button: sends view_closed only when the view has notify_on_close. */
  async closeView(viewId: string, opts: SignOptions & { userId: string }): Promise<SlackResponse | undefined> {
    const view = this.openView(viewId);
    this.standIn.closeView(viewId);
    if (!view.notify_on_close) return undefined;
    return this.interactive({ type: "view_closed", ...this.interactionBase(opts.userId), view, is_cleared: false }, opts);
  }

  async blockSuggestion(opts: BlockSuggestionOptions): Promise<SlackResponse> {
    const view = this.openView(opts.viewId);
    const res = await this.interactive(
      {
        type: "block_suggestion",
        ...this.interactionBase(opts.userId),
        container: { type: "view", view_id: view.id },
        action_id: opts.actionId,
        block_id: opts.blockId,
        value: opts.value,
        view,
      },
      opts,
    );
    if (res.status === 200) this.standIn.checkOptionsResponse(res.body === "" ? {} : res.body);
    return res;
  }

  async event(event: JsonObject, opts: EventOptions = {}): Promise<SlackResponse> {
    const now = Date.now();
    const body = {
      token: "verification-token",
      team_id: this.teamId,
      context_team_id: this.teamId,
      api_app_id: this.apiAppId,
      event: { event_ts: (now / 1000).toFixed(6), ...event },
      type: "event_callback",
      event_id: opts.eventId ?? `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
      event_time: Math.floor(now / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: this.teamId,
          user_id: this.standIn.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    };
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.retryNum !== undefined) {
      headers["X-Slack-Retry-Num"] = String(opts.retryNum);
      headers["X-Slack-Retry-Reason"] = opts.retryReason ?? "http_timeout";
    }
    return this.send(JSON.stringify(body), "application/json", { ...opts, headers });
  }

  async appHomeOpened(userId: string, opts: EventOptions = {}): Promise<SlackResponse> {
    const home = this.standIn.homeView(userId);
    return this.event({ type: "app_home_opened", user: userId, channel: `D${userId}`, tab: "home", ...(home ? { view: home } : {}) }, opts);
  }

  // ------------------------------------------------------------------ internals

  private userName(userId: string): string {
    return String(this.standIn.users[userId]?.name ?? `user_${userId.toLowerCase()}`);
  }

  private interactionBase(userId: string): JsonObject {
    return {
      user: { id: userId, username: this.userName(userId), name: this.userName(userId), team_id: this.teamId },
      api_app_id: this.apiAppId,
      token: "verification-token",
      team: { id: this.teamId, domain: this.standIn.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  private openView(viewId: string): StoredView {
    const view: StoredView | undefined = this.standIn.currentView(viewId);
    if (!view) throw new Error(`no view ${viewId} in the stand-in (known: ${[...this.standIn.views.keys()].join(", ") || "none"})`);
    if (!this.standIn.isOpen(viewId)) throw new Error(`view ${viewId} is closed; the user cannot interact with it`);
    return view;
  }
}

// ==================================================================== payload helpers

interface FoundElement {
  blockId: string;
  element: JsonObject;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function blockElements(b: unknown): JsonObject[] {
  if (!isObject(b)) return [];
  return [...(b.type === "actions" && Array.isArray(b.elements) ? b.elements : []), b.accessory, b.element].filter(isObject);
}

function findElement(blocks: unknown[], actionId: string, blockId?: string): FoundElement | undefined {
  for (const b of blocks ?? []) {
    if (!isObject(b) || (blockId !== undefined && b.block_id !== blockId)) continue;
    const e = blockElements(b).find((x) => x.action_id === actionId);
    if (e) return { blockId: String(b.block_id), element: e };
  }
  return undefined;
}

function listActionIds(blocks: unknown[]): string[] {
  return (blocks ?? []).flatMap((b) => blockElements(b).map((e) => `${isObject(b) ? b.block_id : ""}/${e.action_id}`));
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

function elementOptions(element: JsonObject | undefined): JsonObject[] {
  if (!element) return [];
  if (Array.isArray(element.options)) return element.options.filter(isObject);
  if (Array.isArray(element.option_groups)) {
    return element.option_groups.flatMap((g: unknown) => (isObject(g) && Array.isArray(g.options) ? g.options.filter(isObject) : []));
  }
  return [];
}

/** The option object Slack would send for `value`: taken from the element's options when it has static ones. */
function optionFor(element: JsonObject | undefined, value: string, strict: boolean): JsonObject {
  const opts = elementOptions(element);
  const found = opts.find((o) => o.value === value);
  if (found) return JSON.parse(JSON.stringify(found)) as JsonObject;
  if (strict && opts.length > 0) {
    throw new Error(
      `value ${JSON.stringify(value)} is not among the options of ${String(element?.action_id)}: ${opts.map((o) => JSON.stringify(o.value)).join(", ")}`,
    );
  }
  return { text: { type: "plain_text", text: value, emoji: true }, value };
}

const STATIC_OPTION_TYPES = new Set(["static_select", "multi_static_select", "radio_buttons", "checkboxes"]);

/** Build view.state.values for the view's input blocks, as Slack would send it on submission. */
export function buildStateValues(
  blocks: unknown[],
  values: Record<string, unknown>,
  validate: boolean,
): Record<string, Record<string, JsonObject>> {
  const out: Record<string, Record<string, JsonObject>> = {};
  const inputs = (blocks ?? []).filter(isObject).filter((b) => b.type === "input" && isObject(b.element));
  const inputIds = new Set(inputs.map((b) => String(b.block_id)));
  const unknown = Object.keys(values).filter((k) => !inputIds.has(k));
  if (unknown.length) {
    throw new Error(`submitView: no input block with block_id ${unknown.join(", ")} (input blocks: ${[...inputIds].join(", ") || "none"})`);
  }
  for (const b of inputs) {
    const e = b.element as JsonObject;
    const blockId = String(b.block_id);
    const provided = Object.hasOwn(values, blockId);
    const v = values[blockId];
    let state: JsonObject;
    if (provided && isObject(v) && typeof v.type === "string") {
      state = v; // already in Slack's shape
    } else {
      state = encodeValue(e, provided, v);
    }
    if (validate) clientValidate(b, e, state);
    out[blockId] = { [String(e.action_id)]: state };
  }
  return out;
}

function encodeValue(e: JsonObject, provided: boolean, v: unknown): JsonObject {
  const type = String(e.type);
  const strict = STATIC_OPTION_TYPES.has(type);
  const one = (initial: unknown) => {
    if (!provided) return initial ?? null;
    if (v === null || v === undefined || v === "") return null;
    return optionFor(e, String(v), strict);
  };
  const many = (initial: unknown) => {
    if (!provided) return initial ?? [];
    const arr: unknown[] = v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
    return arr.map((x) => optionFor(e, String(x), strict));
  };
  const scalar = (initial: unknown) => (provided ? (v === "" || v === undefined ? null : v) : (initial ?? null));
  const list = (initial: unknown) => (provided ? (v == null ? [] : Array.isArray(v) ? v : [v]) : (initial ?? []));
  switch (type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input": {
      const s = scalar(e.initial_value);
      return { type, value: s === null ? null : String(s) };
    }
    case "number_input": {
      const s = scalar(e.initial_value);
      return { type, value: s === null ? null : String(s) };
    }
    case "static_select":
    case "external_select":
    case "radio_buttons":
      return { type, selected_option: one(e.initial_option) };
    case "multi_static_select":
    case "multi_external_select":
    case "checkboxes":
      return { type, selected_options: many(e.initial_options) };
    case "datepicker":
      return { type, selected_date: scalar(e.initial_date) };
    case "timepicker":
      return { type, selected_time: scalar(e.initial_time) };
    case "datetimepicker":
      return { type, selected_date_time: scalar(e.initial_date_time) };
    case "users_select":
      return { type, selected_user: scalar(e.initial_user) };
    case "multi_users_select":
      return { type, selected_users: list(e.initial_users) };
    case "conversations_select":
      return { type, selected_conversation: scalar(e.initial_conversation) };
    case "multi_conversations_select":
      return { type, selected_conversations: list(e.initial_conversations) };
    case "channels_select":
      return { type, selected_channel: scalar(e.initial_channel) };
    case "multi_channels_select":
      return { type, selected_channels: list(e.initial_channels) };
    case "rich_text_input": {
      const s = provided ? v : e.initial_value;
      const value =
        typeof s === "string"
          ? { type: "rich_text", elements: [{ type: "rich_text_section", elements: [{ type: "text", text: s }] }] }
          : (s ?? null);
      return { type, rich_text_value: value };
    }
    case "file_input":
      return { type, files: list(undefined) };
    default:
      return { type, value: provided ? v : null };
  }
}

function isEmptyState(s: JsonObject): boolean {
  const { type: _t, ...rest } = s;
  return Object.values(rest).every((x) => x === null || x === undefined || x === "" || (Array.isArray(x) && x.length === 0));
}

function clientValidate(block: JsonObject, e: JsonObject, s: JsonObject): void {
  const where = `input ${String(block.block_id)} (${String(e.type)})`;
  if (!block.optional && isEmptyState(s)) {
    throw new Error(`submitView: ${where} is required and empty; Slack would not submit (clientValidation is on)`);
  }
  if (e.type === "plain_text_input" && typeof s.value === "string") {
    if (typeof e.max_length === "number" && s.value.length > e.max_length) {
      throw new Error(`submitView: ${where} is longer than max_length ${e.max_length}; Slack would not submit`);
    }
    if (typeof e.min_length === "number" && s.value.length < e.min_length) {
      throw new Error(`submitView: ${where} is shorter than min_length ${e.min_length}; Slack would not submit`);
    }
  }
  if (typeof e.max_selected_items === "number" && Array.isArray(s.selected_options) && s.selected_options.length > e.max_selected_items) {
    throw new Error(`submitView: ${where} has more than max_selected_items ${e.max_selected_items}`);
  }
}

const manifestPath = new URL("../../manifest.yml", import.meta.url);
let manifestCommands: { command: string; should_escape?: boolean }[] | undefined;

/** The `should_escape` that manifest.yml sets for a slash command (Slack's default is false). */
export function shouldEscape(command: string): boolean {
  manifestCommands ??= (parseYaml(readFileSync(manifestPath, "utf8"))?.features?.slash_commands ?? []) as typeof manifestCommands;
  return manifestCommands?.find((c) => c.command === command)?.should_escape === true;
}

/**
 * What Slack puts in a slash command's `text` for what the user typed. With `should_escape`
 * on, mentions and links arrive as tokens (<@U1|name>); with it off, as the plain text the user
 * typed (@name, #channel, the URL). &, < and > are entities either way.
 */
export function commandTextAsSlackSends(typed: string, shouldEscape: boolean): string {
  if (shouldEscape) return escapeCommandText(typed);
  const token =
    /<(?:@([UW][A-Z0-9]+)(?:\|([^<>]*))?|#(C[A-Z0-9]+)(?:\|([^<>]*))?|!subteam\^(S[A-Z0-9]+)(?:\|([^<>]*))?|(https?:\/\/[^<>|]+)(?:\|[^<>]*)?)>/g;
  const plain = typed.replace(token, (_m, uid, uname, cid, cname, sid, sname, url) => {
    if (uid) return `@${uname || uid}`;
    if (cid) return `#${cname || cid}`;
    if (sid) return sname || `@${sid}`;
    return url;
  });
  return plain.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Slack's escaping of slash-command text: &, <, > become entities, except in mention/link tokens. */
export function escapeCommandText(text: string): string {
  const token = /<(?:[@#][A-Z0-9]+(?:\|[^<>]*)?|![^<>]+|https?:\/\/[^<>]+)>/g;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  let out = "";
  let last = 0;
  for (const m of text.matchAll(token)) {
    out += esc(text.slice(last, m.index)) + m[0];
    last = (m.index ?? 0) + m[0].length;
  }
  return out + esc(text.slice(last));
}
