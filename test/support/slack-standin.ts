/**
 * A local stand-in for the Slack Web API (and for `response_url`s) used by end-to-end tests.
 *
 * Start it, hand `standIn.url` to Bolt as `clientOptions.slackApiUrl`, drive the app with
 * `SlackClient` (./slack-client.ts) and assert on `calls`, `views` and `violations`.
 *
 * It enforces the Block Kit / Web API limits the product is likely to hit (see
 * /work/shared/notes/slack-platform.md) and answers like Slack does. Every breach is also pushed
 * to `violations`, so a test can end with `expect(standIn.violations).toEqual([])`.
 *
 * Time: trigger ids (3 s) and response URLs (30 min) use `standIn.now()`, which is the `now`
 * option (default `Date.now`) plus whatever `advanceTime(ms)` added. Prefer `advanceTime` over
 * fake timers: fake timers also stop the polling in `waitFor` and the app's own I/O.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

export interface RecordedCall {
  /** Web API method name (`views.open`), or `response_url`, or `view_response` (see applyViewResponse). */
  method: string;
  /** Parsed arguments; JSON-string fields (`view`, `blocks`, ...) are parsed; `token` is removed (see `token`). */
  args: Record<string, any>;
  /** The JSON body the stand-in answered with (plus `failed: true` for injected failures; not sent). */
  response: any;
  /** Stand-in clock (`now()`) when the call arrived. */
  at: number;
  /** HTTP status sent back. */
  status: number;
  /** True when the call was answered with an injected failure (failNext); `response.failed` is set too. */
  failed?: boolean;
  /** Token the caller authenticated with (Authorization header or `token` field). */
  token?: string;
  /** For `response_url` calls: the id in the URL. */
  responseUrlId?: string;
}

export interface FailOptions {
  /** Answer HTTP 200 `{ok:false, error}`. */
  error?: string;
  /** 429 -> rate limited with Retry-After; 5xx -> that status. */
  status?: number;
  /** Seconds for the Retry-After header of a 429 (default 1; 0 is allowed for fast tests). */
  retryAfter?: number;
  /** How many consecutive calls fail (default 1). */
  times?: number;
}

export interface StandInOptions {
  botUserId?: string;
  botId?: string;
  teamId?: string;
  teamDomain?: string;
  appId?: string;
  /** Users known to users.info; partial objects are completed (name, profile, tz...). */
  users?: Record<string, Record<string, any>>;
  /** Usergroup id -> member user ids, for usergroups.users.list. */
  usergroups?: Record<string, string[]>;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

export type ViewResponseOutcome =
  | { action: "closed"; viewIds: string[] }
  | { action: "updated"; viewId: string }
  | { action: "pushed"; viewId: string }
  | { action: "errors"; viewId: string; errors: Record<string, string> }
  | { action: "rejected"; viewId: string; messages: string[] };

interface TriggerEntry {
  issuedAt: number;
  used: boolean;
  viewId?: string;
}

interface ResponseUrlEntry {
  createdAt: number;
  uses: number;
}

interface ViewMeta {
  kind: "modal" | "home";
  open: boolean;
  rootId: string;
  userId?: string;
}

export const TRIGGER_TTL_MS = 3000;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
export const RESPONSE_URL_MAX_USES = 5;
export const MAX_VIEW_STACK = 3;

/** Fields that the Web API client sends as JSON strings in form bodies. */
const JSON_FIELDS = new Set([
  "view",
  "blocks",
  "attachments",
  "options",
  "option_groups",
  "metadata",
  "unfurls",
  "user_auth_blocks",
  "errors",
]);

export class SlackStandIn {
  readonly url: string;
  readonly port: number;
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;

  calls: RecordedCall[] = [];
  violations: string[] = [];
  /** Current (last known) view per view id, as Slack would return it. Closed views stay here; see isOpen(). */
  views = new Map<string, any>();
  /** users.info data, by user id. */
  users: Record<string, Record<string, any>> = {};
  /** usergroups.users.list data: usergroup id -> user ids. */
  usergroups: Record<string, string[]> = {};
  /** Persisted channel messages (chat.postMessage / chat.update), key `${channel}:${ts}`. Ephemerals are not kept. */
  messages = new Map<string, any>();

  private readonly server: Server;
  private readonly nowFn: () => number;
  private clockOffset = 0;
  private seq = 0;
  private readonly triggers = new Map<string, TriggerEntry>();
  private readonly responseUrls = new Map<string, ResponseUrlEntry>();
  private readonly viewMeta = new Map<string, ViewMeta>();
  /** root view id -> open view ids, bottom first. */
  private readonly stacks = new Map<string, string[]>();
  private readonly externalIds = new Map<string, string>();
  private readonly homeViews = new Map<string, string>();
  private lastOpenedId: string | undefined;
  private lastStackRoot: string | undefined;
  private failures: Array<{ method: string; opts: FailOptions; remaining: number }> = [];
  private readonly delays = new Map<string, number>();
  private lastTsSec = 0;
  private tsCounter = 0;

  private constructor(server: Server, port: number, opts: StandInOptions) {
    this.server = server;
    this.port = port;
    this.url = `http://127.0.0.1:${port}/api/`;
    this.botUserId = opts.botUserId ?? "UBOT";
    this.botId = opts.botId ?? "BBOT";
    this.teamId = opts.teamId ?? "T0001";
    this.teamDomain = opts.teamDomain ?? "appkeys-test";
    this.appId = opts.appId ?? "A0APPKEYS";
    this.nowFn = opts.now ?? Date.now;
    for (const [id, u] of Object.entries(opts.users ?? {})) this.addUser(id, u);
    this.usergroups = { ...(opts.usergroups ?? {}) };
  }

  static async start(opts: StandInOptions = {}): Promise<SlackStandIn> {
    let standIn: SlackStandIn | undefined;
    const server = createServer((req, res) => {
      if (!standIn) {
        res.writeHead(503).end();
        return;
      }
      standIn.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    standIn = new SlackStandIn(server, port, opts);
    return standIn;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- clock

  now(): number {
    return this.nowFn() + this.clockOffset;
  }

  /** Move the stand-in clock forward (expires triggers / response URLs without sleeping). */
  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  // ---------------------------------------------------------------- recording helpers

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  lastCall(method: string): RecordedCall | undefined {
    const list = this.callsTo(method);
    return list[list.length - 1];
  }

  /** Forget recorded calls and violations (views, messages, users and triggers are kept). */
  clear(): void {
    this.calls = [];
    this.violations = [];
  }

  /** Poll every 10 ms until `pred(calls)` is truthy; returns the calls. */
  async waitFor(pred: (c: RecordedCall[]) => boolean | undefined, timeoutMs = 15_000): Promise<RecordedCall[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (pred(this.calls)) return this.calls;
      if (Date.now() >= deadline) {
        throw new Error(
          `SlackStandIn.waitFor timed out after ${timeoutMs} ms. Recorded calls: [${this.describeCalls()}]` +
            (this.violations.length ? `; violations: ${JSON.stringify(this.violations)}` : ""),
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Wait for a call to `method` (optionally matching `pred`) and return the first such call. */
  async waitForCall(method: string, pred: (c: RecordedCall) => boolean = () => true, timeoutMs = 15_000): Promise<RecordedCall> {
    let found: RecordedCall | undefined;
    await this.waitFor((calls) => {
      found = calls.find((c) => c.method === method && pred(c));
      return found !== undefined;
    }, timeoutMs);
    return found as RecordedCall;
  }

  /** JSON of every recorded call, to check where a secret does (not) appear. */
  allText(): string {
    return JSON.stringify(this.calls);
  }

  describeCalls(): string {
    return this.calls.map((c) => (c.response?.ok === false ? `${c.method}(${c.response.error})` : c.method)).join(", ");
  }

  // ---------------------------------------------------------------- configuration

  failNext(method: string, opts: FailOptions): void {
    this.failures.push({ method, opts, remaining: opts.times ?? 1 });
  }

  /** Delay every answer to `method` by `ms` (0 removes the delay). */
  delay(method: string, ms: number): void {
    if (ms > 0) this.delays.set(method, ms);
    else this.delays.delete(method);
  }

  addUser(id: string, fields: Record<string, any> = {}): Record<string, any> {
    const name = fields.name ?? `user_${id.toLowerCase()}`;
    const realName = fields.real_name ?? fields.profile?.real_name ?? name;
    const user = {
      id,
      team_id: this.teamId,
      name,
      deleted: false,
      real_name: realName,
      tz: "Europe/Berlin",
      tz_label: "Central European Time",
      tz_offset: 3600,
      is_admin: false,
      is_owner: false,
      is_bot: false,
      is_app_user: false,
      updated: 1700000000,
      ...fields,
      profile: {
        real_name: realName,
        display_name: name,
        email: `${name}@example.com`,
        ...(fields.profile ?? {}),
      },
    };
    this.users[id] = user;
    return user;
  }

  // ---------------------------------------------------------------- triggers / response urls

  /** A trigger id valid for 3 s and one use. `viewId`: the view the interaction happened in (for views.push). */
  issueTriggerId(viewId?: string): string {
    const id = `${++this.seq}${Math.floor(this.now() / 1000)}.${this.teamId.replace(/\D/g, "") || "1"}.${hex(16)}`;
    this.triggers.set(id, { issuedAt: this.now(), used: false, viewId });
    return id;
  }

  /** A fresh response URL (5 uses within 30 minutes). Posts are recorded as method `response_url`. */
  responseUrl(): string {
    const id = `${this.teamId}/${++this.seq}/${hex(12)}`;
    this.responseUrls.set(id, { createdAt: this.now(), uses: 0 });
    return `http://127.0.0.1:${this.port}/response/${id}`;
  }

  // ---------------------------------------------------------------- views

  currentView(id: string): any {
    return this.views.get(id);
  }

  isOpen(id: string): boolean {
    return this.viewMeta.get(id)?.open ?? false;
  }

  lastOpenedView(): any {
    return this.lastOpenedId === undefined ? undefined : this.views.get(this.lastOpenedId);
  }

  /** Open views of the stack that `viewId` belongs to, bottom first (the last one is what the user sees). */
  stackOf(viewId: string): string[] {
    const meta = this.viewMeta.get(viewId);
    return meta ? [...(this.stacks.get(meta.rootId) ?? [])] : [];
  }

  /** The view the user currently sees in the stack of `viewId` (default: the most recently opened stack). */
  topView(viewId?: string): any {
    const root = viewId ? this.viewMeta.get(viewId)?.rootId : this.lastStackRoot;
    const stack = root ? this.stacks.get(root) : undefined;
    const top = stack?.[stack.length - 1];
    return top ? this.views.get(top) : undefined;
  }

  homeView(userId: string): any {
    const id = this.homeViews.get(userId);
    return id ? this.views.get(id) : undefined;
  }

  /**
   * Close a modal the way Slack does after an empty ack: the view (and anything pushed above it)
   * leaves the stack. With `clearStack`, the whole stack closes (response_action `clear`).
   * Returns the ids closed.
   */
  closeView(id: string, opts: { clearStack?: boolean } = {}): string[] {
    const meta = this.viewMeta.get(id);
    if (meta?.kind !== "modal" || !meta.open) return [];
    const stack = this.stacks.get(meta.rootId) ?? [];
    const idx = opts.clearStack ? 0 : stack.indexOf(id);
    const closed = idx < 0 ? [] : stack.splice(idx);
    for (const v of closed) {
      const m = this.viewMeta.get(v);
      if (m) m.open = false;
    }
    if (stack.length === 0) this.stacks.delete(meta.rootId);
    return closed;
  }

  /**
   * Apply what the app acknowledged to a `view_submission` of `viewId`, as Slack would:
   * empty / `{}` -> close that view; `clear` -> close the stack; `update` / `push` -> validate and
   * apply the view; `errors` -> leave open (error keys must be input block ids of the view).
   * The ack is recorded as a call with method `view_response` (args: `{view_id, ...ack}`).
   * Invalid answers are recorded in `violations` and leave the view as it was.
   */
  applyViewResponse(viewId: string, ackBody: unknown): ViewResponseOutcome {
    const body: any = ackBody;
    const reject = (messages: string[]): ViewResponseOutcome => {
      this.violations.push(...messages.map((m) => `view_response: ${m}`));
      const res = { action: "rejected" as const, viewId, messages };
      this.record("view_response", { view_id: viewId, ...(isObject(body) ? body : { body }) }, { ok: false, messages }, 200);
      return res;
    };
    const recordOk = (outcome: ViewResponseOutcome): ViewResponseOutcome => {
      this.record("view_response", { view_id: viewId, ...(isObject(body) ? body : {}) }, { ok: true, outcome }, 200);
      return outcome;
    };
    const meta = this.viewMeta.get(viewId);
    if (!meta?.open) return reject([`view ${viewId} is not open`]);

    if (body === undefined || body === null || body === "" || (isObject(body) && Object.keys(body).length === 0)) {
      return recordOk({ action: "closed", viewIds: this.closeView(viewId) });
    }
    if (!isObject(body)) return reject([`a view_submission must be answered with JSON or nothing, got ${JSON.stringify(body)}`]);
    switch (body.response_action) {
      case "clear":
        return recordOk({ action: "closed", viewIds: this.closeView(viewId, { clearStack: true }) });
      case "update": {
        const c = new Checker();
        checkView(c, "/view", body.view, "modal");
        if (c.messages.length) return reject(c.messages);
        const prev = this.views.get(viewId);
        this.views.set(viewId, this.buildView(viewId, body.view, prev));
        if (body.view.external_id) this.externalIds.set(body.view.external_id, viewId);
        return recordOk({ action: "updated", viewId });
      }
      case "push": {
        const c = new Checker();
        checkView(c, "/view", body.view, "modal");
        const stack = this.stacks.get(meta.rootId) ?? [];
        if (stack.length >= MAX_VIEW_STACK) c.messages.push("push_limit_reached");
        if (c.messages.length) return reject(c.messages);
        return recordOk({ action: "pushed", viewId: this.pushView(meta.rootId, body.view) });
      }
      case "errors": {
        const errors = body.errors;
        if (!isObject(errors) || Object.keys(errors).length === 0)
          return reject(["response_action errors needs a non-empty errors object"]);
        const view = this.views.get(viewId);
        const inputIds = new Set<string>((view?.blocks ?? []).filter((b: any) => b?.type === "input").map((b: any) => String(b.block_id)));
        const bad = Object.keys(errors).filter((k) => !inputIds.has(k));
        if (bad.length) {
          return reject([
            `errors refer to block_ids that are not input blocks of view ${viewId}: ${bad.join(", ")} (input blocks: ${[...inputIds].join(", ")})`,
          ]);
        }
        const tooLong = Object.entries(errors).filter(([, v]) => typeof v !== "string" || v.length > 2000);
        if (tooLong.length)
          return reject([`error messages must be strings of at most 2000 characters: ${tooLong.map(([k]) => k).join(", ")}`]);
        return recordOk({ action: "errors", viewId, errors: errors as Record<string, string> });
      }
      default:
        return reject([`unknown response_action ${JSON.stringify(body.response_action)} (send an empty body to close the modal)`]);
    }
  }

  /** Check an answer to block_suggestion (options / option_groups); records violations. Returns the messages. */
  checkOptionsResponse(body: unknown): string[] {
    const c = new Checker();
    const b: any = body;
    if (!isObject(b)) c.err("", "options response must be a JSON object");
    else if (b.options !== undefined && b.option_groups !== undefined) c.err("", "only one of options or option_groups");
    else if (b.option_groups !== undefined) checkOptionGroups(c, "/option_groups", b.option_groups, 100);
    else checkOptionList(c, "/options", b.options ?? [], 100, "plain_text");
    this.violations.push(...c.messages.map((m) => `block_suggestion: ${m}`));
    return c.messages;
  }

  /** A stored channel message (from chat.postMessage / chat.update). */
  message(channel: string, ts: string): any {
    return this.messages.get(`${channel}:${ts}`);
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    if (url.pathname.startsWith("/api/")) {
      await this.handleApi(decodeURIComponent(url.pathname.slice("/api/".length)), req, raw, url, res);
    } else if (url.pathname.startsWith("/response/") && req.method === "POST") {
      await this.handleResponseUrl(url.pathname.slice("/response/".length), req, raw, res);
    } else {
      sendJson(res, 404, { ok: false, error: "not_found" });
    }
  }

  private parseArgs(req: IncomingMessage, raw: string, url: URL): { args: Record<string, any>; bad?: string } {
    const args: Record<string, any> = {};
    for (const [k, v] of url.searchParams) args[k] = v;
    const ct = String(req.headers["content-type"] ?? "").toLowerCase();
    try {
      if (ct.startsWith("application/json")) {
        if (raw.trim()) Object.assign(args, JSON.parse(raw));
      } else if (raw) {
        for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
      }
      for (const k of Object.keys(args)) {
        if (JSON_FIELDS.has(k) && typeof args[k] === "string" && args[k] !== "") args[k] = JSON.parse(args[k]);
      }
    } catch (e) {
      return { args, bad: `invalid JSON: ${(e as Error).message}` };
    }
    return { args };
  }

  private takeFailure(method: string): FailOptions | undefined {
    const f = this.failures.find((x) => (x.method === method || x.method === "*") && x.remaining > 0);
    if (!f) return undefined;
    f.remaining -= 1;
    this.failures = this.failures.filter((x) => x.remaining > 0);
    return f.opts;
  }

  private record(
    method: string,
    args: Record<string, any>,
    response: any,
    status: number,
    extra: Partial<RecordedCall> = {},
  ): RecordedCall {
    const call: RecordedCall = { method, args, response, at: this.now(), status, ...extra };
    this.calls.push(call);
    return call;
  }

  private async maybeDelay(method: string): Promise<void> {
    const ms = this.delays.get(method) ?? this.delays.get("*");
    if (ms) await new Promise((r) => setTimeout(r, ms));
  }

  /** Answer an injected failure if one is queued for `method`. */
  private sendFailure(method: string, res: ServerResponse, args: Record<string, any>, extra: Partial<RecordedCall>): boolean {
    const f = this.takeFailure(method);
    if (!f) return false;
    if (f.status === 429) {
      const retryAfter = f.retryAfter ?? 1;
      const body = { ok: false, error: "ratelimited" };
      this.record(method, args, { ...body, failed: true }, 429, { ...extra, failed: true });
      sendJson(res, 429, body, { "Retry-After": String(retryAfter) });
    } else if (f.status !== undefined && f.status !== 200) {
      const body = { ok: false, error: f.error ?? "internal_error" };
      this.record(method, args, { ...body, failed: true }, f.status, { ...extra, failed: true });
      sendJson(res, f.status, body);
    } else {
      const body = { ok: false, error: f.error ?? "internal_error" };
      this.record(method, args, { ...body, failed: true }, 200, { ...extra, failed: true });
      sendJson(res, 200, body);
    }
    return true;
  }

  private async handleApi(method: string, req: IncomingMessage, raw: string, url: URL, res: ServerResponse): Promise<void> {
    const { args, bad } = this.parseArgs(req, raw, url);
    const auth = String(req.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ")
      ? auth.slice("Bearer ".length).trim()
      : typeof args.token === "string"
        ? args.token
        : undefined;
    delete args.token;
    const extra: Partial<RecordedCall> = token ? { token } : {};
    await this.maybeDelay(method);
    if (this.sendFailure(method, res, args, extra)) return;

    let response: any;
    if (!token) response = { ok: false, error: "not_authed" };
    else if (!/^xox[abpe]-/.test(token)) response = { ok: false, error: "invalid_auth" };
    else if (bad) response = { ok: false, error: "invalid_arguments", response_metadata: { messages: [`[ERROR] ${bad}`] } };
    else {
      const handler = this.handlers[method];
      response = handler ? handler(args) : { ok: false, error: "unknown_method" };
    }
    if (response.ok === false && response.response_metadata?.messages?.length && VALIDATION_ERRORS.has(response.error)) {
      for (const m of response.response_metadata.messages) this.violations.push(`${method}: ${m}`);
    }
    this.record(method, args, response, 200, extra);
    sendJson(res, 200, response);
  }

  private async handleResponseUrl(id: string, req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
    const { args, bad } = this.parseArgs(req, raw, new URL("http://x/"));
    const extra: Partial<RecordedCall> = { responseUrlId: id };
    await this.maybeDelay("response_url");
    if (this.sendFailure("response_url", res, args, extra)) return;
    const entry = this.responseUrls.get(id);
    let status = 200;
    let body: any = { ok: true };
    if (!entry) {
      status = 404;
      body = { ok: false, error: "no_active_hooks" };
    } else if (this.now() - entry.createdAt > RESPONSE_URL_TTL_MS) {
      status = 404;
      body = { ok: false, error: "expired_url" };
    } else if (entry.uses >= RESPONSE_URL_MAX_USES) {
      status = 404;
      body = { ok: false, error: "used_url" };
    } else if (bad) {
      status = 400;
      body = { ok: false, error: "invalid_payload" };
    } else {
      const c = new Checker();
      const code = args.delete_original ? undefined : checkMessage(c, args);
      if (!args.delete_original && !hasText(args.text) && args.blocks === undefined && args.attachments === undefined) {
        c.err("", "no_text: one of text, blocks or attachments is required");
      }
      if (c.messages.length) {
        status = 400;
        body = { ok: false, error: code ?? "invalid_blocks", response_metadata: { messages: c.messages } };
        this.violations.push(...c.messages.map((m) => `response_url: ${m}`));
      } else {
        entry.uses += 1;
      }
    }
    this.record("response_url", args, body, status, extra);
    sendJson(res, status, body);
  }

  // ---------------------------------------------------------------- Web API methods

  private readonly handlers: Record<string, (args: Record<string, any>) => any> = {
    "api.test": (args) => ({ ok: true, args }),
    "auth.test": () => ({
      ok: true,
      url: `https://${this.teamDomain}.slack.com/`,
      team: "AppKeys Test",
      user: "appkeys",
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    }),
    "views.open": (args) => this.viewsOpen(args),
    "views.push": (args) => this.viewsPush(args),
    "views.update": (args) => this.viewsUpdate(args),
    "views.publish": (args) => this.viewsPublish(args),
    "chat.postMessage": (args) => this.chatPost(args, false),
    "chat.postEphemeral": (args) => this.chatPost(args, true),
    "chat.update": (args) => this.chatUpdate(args),
    "chat.delete": (args) => {
      const channel = this.resolveChannel(args.channel);
      const key = `${channel}:${args.ts}`;
      if (!args.channel) return { ok: false, error: "channel_not_found" };
      if (!this.messages.has(key)) return { ok: false, error: "message_not_found" };
      this.messages.delete(key);
      return { ok: true, channel, ts: args.ts };
    },
    "conversations.open": (args) => {
      const users = String(args.users ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (args.channel) return { ok: true, channel: { id: String(args.channel) } };
      if (users.length === 0) return { ok: false, error: "users_list_not_supplied" };
      if (users.length > 8) return { ok: false, error: "too_many_users" };
      const id = users.length === 1 ? `D${users[0]}` : `G${users.sort().join("")}`.slice(0, 20);
      return { ok: true, no_op: false, already_open: false, channel: { id } };
    },
    // Users' messages are not stored here (tests send them as events): any ts gets a permalink.
    "chat.getPermalink": (args) => {
      if (!args.channel) return { ok: false, error: "channel_not_found" };
      if (!/^\d+\.\d+$/.test(String(args.message_ts ?? ""))) return { ok: false, error: "message_not_found" };
      const p = `p${String(args.message_ts).replace(".", "")}`;
      return { ok: true, channel: args.channel, permalink: `https://${this.teamDomain}.slack.com/archives/${args.channel}/${p}` };
    },
    "users.info": (args) => {
      const user = this.users[String(args.user ?? "")];
      return user ? { ok: true, user: { id: args.user, ...user } } : { ok: false, error: "user_not_found" };
    },
    "usergroups.users.list": (args) => {
      const members = this.usergroups[String(args.usergroup ?? "")];
      return members ? { ok: true, users: [...members] } : { ok: false, error: "no_such_subteam" };
    },
  };

  private checkTrigger(triggerId: unknown): string | undefined {
    if (typeof triggerId !== "string" || triggerId === "") return "invalid_trigger_id";
    const t = this.triggers.get(triggerId);
    if (!t) return "invalid_trigger_id";
    if (t.used) return "exchanged_trigger_id";
    if (this.now() - t.issuedAt > TRIGGER_TTL_MS) return "expired_trigger_id";
    return undefined;
  }

  private viewsOpen(args: Record<string, any>): any {
    const c = new Checker();
    checkView(c, "/view", args.view, "modal");
    if (c.messages.length) return invalidArguments(c.messages);
    const trig = this.checkTrigger(args.trigger_id);
    if (trig) return { ok: false, error: trig };
    if (args.view.external_id && this.externalIds.has(args.view.external_id)) return { ok: false, error: "duplicate_external_id" };
    (this.triggers.get(args.trigger_id) as TriggerEntry).used = true;
    const id = this.newViewId();
    const view = this.buildView(id, args.view, undefined, { rootId: id });
    this.views.set(id, view);
    this.viewMeta.set(id, { kind: "modal", open: true, rootId: id });
    this.stacks.set(id, [id]);
    if (args.view.external_id) this.externalIds.set(args.view.external_id, id);
    this.lastOpenedId = id;
    this.lastStackRoot = id;
    return { ok: true, view };
  }

  private viewsPush(args: Record<string, any>): any {
    const c = new Checker();
    checkView(c, "/view", args.view, "modal");
    if (c.messages.length) return invalidArguments(c.messages);
    const trig = this.checkTrigger(args.trigger_id);
    if (trig) return { ok: false, error: trig };
    const t = this.triggers.get(args.trigger_id) as TriggerEntry;
    const root = t.viewId ? this.viewMeta.get(t.viewId)?.rootId : this.lastStackRoot;
    const stack = root ? this.stacks.get(root) : undefined;
    if (!root || !stack || stack.length === 0) return { ok: false, error: "not_found" };
    if (stack.length >= MAX_VIEW_STACK) return { ok: false, error: "push_limit_reached" };
    t.used = true;
    const id = this.pushView(root, args.view);
    return { ok: true, view: this.views.get(id) };
  }

  private pushView(rootId: string, input: any): string {
    const stack = this.stacks.get(rootId) ?? [];
    const id = this.newViewId();
    const view = this.buildView(id, input, undefined, { rootId, previousId: stack[stack.length - 1] });
    this.views.set(id, view);
    this.viewMeta.set(id, { kind: "modal", open: true, rootId });
    stack.push(id);
    this.stacks.set(rootId, stack);
    if (input.external_id) this.externalIds.set(input.external_id, id);
    this.lastStackRoot = rootId;
    return id;
  }

  private viewsUpdate(args: Record<string, any>): any {
    const id: string | undefined = args.view_id
      ? String(args.view_id)
      : args.external_id
        ? this.externalIds.get(String(args.external_id))
        : undefined;
    if (!args.view_id && !args.external_id) return invalidArguments(["[ERROR] one of view_id or external_id is required"]);
    const meta = id ? this.viewMeta.get(id) : undefined;
    const c = new Checker();
    checkView(c, "/view", args.view, meta?.kind ?? "modal");
    if (c.messages.length) return invalidArguments(c.messages);
    if (!id || !meta?.open) return { ok: false, error: "not_found" };
    const prev = this.views.get(id);
    if (args.hash !== undefined && args.hash !== prev.hash) return { ok: false, error: "hash_conflict" };
    const view = this.buildView(id, args.view, prev);
    this.views.set(id, view);
    if (args.view.external_id) this.externalIds.set(args.view.external_id, id);
    return { ok: true, view };
  }

  private viewsPublish(args: Record<string, any>): any {
    const userId = args.user_id ? String(args.user_id) : "";
    const c = new Checker();
    checkView(c, "/view", args.view, "home");
    if (!userId) c.err("/user_id", "missing required field: user_id");
    if (c.messages.length) return invalidArguments(c.messages);
    const existing = this.homeViews.get(userId);
    const prev = existing ? this.views.get(existing) : undefined;
    if (args.hash !== undefined && prev && args.hash !== prev.hash) return { ok: false, error: "hash_conflict" };
    const id = existing ?? this.newViewId();
    const view = this.buildView(id, args.view, prev, { rootId: id });
    this.views.set(id, view);
    this.viewMeta.set(id, { kind: "home", open: true, rootId: id, userId });
    this.homeViews.set(userId, id);
    return { ok: true, view };
  }

  private chatPost(args: Record<string, any>, ephemeral: boolean): any {
    if (!args.channel) return { ok: false, error: "channel_not_found" };
    if (ephemeral && !args.user) return invalidArguments(["[ERROR] missing required field: user"]);
    if (!hasText(args.text) && args.blocks === undefined && args.attachments === undefined) return { ok: false, error: "no_text" };
    const c = new Checker();
    const code = checkMessage(c, args);
    if (c.messages.length) return { ok: false, error: code ?? "invalid_blocks", response_metadata: { messages: c.messages } };
    const channel = this.resolveChannel(args.channel);
    const ts = this.nextTs();
    if (ephemeral) return { ok: true, message_ts: ts };
    const message = {
      type: "message",
      subtype: undefined,
      text: args.text ?? "",
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      ts,
      ...(args.blocks !== undefined ? { blocks: normalizeBlocks(args.blocks) } : {}),
      ...(args.attachments !== undefined ? { attachments: args.attachments } : {}),
      ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
      ...(args.metadata ? { metadata: args.metadata } : {}),
    };
    this.messages.set(`${channel}:${ts}`, { channel, ...message });
    return { ok: true, channel, ts, message };
  }

  private chatUpdate(args: Record<string, any>): any {
    if (!args.channel) return { ok: false, error: "channel_not_found" };
    const channel = this.resolveChannel(args.channel);
    const key = `${channel}:${args.ts}`;
    const prev = this.messages.get(key);
    if (!prev) return { ok: false, error: "message_not_found" };
    const c = new Checker();
    const code = checkMessage(c, args);
    if (c.messages.length) return { ok: false, error: code ?? "invalid_blocks", response_metadata: { messages: c.messages } };
    const message = {
      ...prev,
      ...(args.text !== undefined ? { text: args.text } : {}),
      ...(args.blocks !== undefined ? { blocks: normalizeBlocks(args.blocks) } : {}),
      ...(args.attachments !== undefined ? { attachments: args.attachments } : {}),
      edited: { user: this.botUserId, ts: this.nextTs() },
    };
    this.messages.set(key, message);
    const { channel: _c, ...rest } = message;
    return { ok: true, channel, ts: String(args.ts), text: message.text, message: rest };
  }

  // ---------------------------------------------------------------- internals

  private resolveChannel(channel: unknown): string {
    const s = String(channel ?? "");
    return /^[UW][A-Z0-9]+$/.test(s) ? `D${s}` : s;
  }

  private nextTs(): string {
    const sec = Math.floor(this.now() / 1000);
    if (sec > this.lastTsSec) {
      this.lastTsSec = sec;
      this.tsCounter = 0;
    }
    this.tsCounter += 1;
    return `${this.lastTsSec}.${String(this.tsCounter).padStart(6, "0")}`;
  }

  private newViewId(): string {
    return `V${(++this.seq).toString(36).toUpperCase().padStart(4, "0")}${hex(3).toUpperCase()}`;
  }

  private buildView(id: string, input: any, prev: any, ids: { rootId?: string; previousId?: string } = {}): any {
    return {
      id,
      team_id: this.teamId,
      type: input.type,
      blocks: normalizeBlocks(input.blocks ?? []),
      private_metadata: input.private_metadata ?? "",
      callback_id: input.callback_id ?? "",
      state: { values: {} },
      hash: `${Math.floor(this.now() / 1000)}.${hex(4)}`,
      title: input.title ?? null,
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      close: input.close ?? null,
      submit: input.submit ?? null,
      previous_view_id: prev?.previous_view_id ?? ids.previousId ?? null,
      root_view_id: prev?.root_view_id ?? ids.rootId ?? id,
      app_id: this.appId,
      external_id: input.external_id ?? "",
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }
}

// ==================================================================== validation

const VALIDATION_ERRORS = new Set(["invalid_arguments", "invalid_blocks", "msg_too_long", "msg_blocks_too_long", "view_too_large"]);

const KNOWN_BLOCKS = new Set([
  "section",
  "divider",
  "image",
  "actions",
  "context",
  "input",
  "header",
  "rich_text",
  "file",
  "video",
  "markdown",
  "call",
  "table",
]);

class Checker {
  messages: string[] = [];
  blockIds = new Set<string>();
  err(path: string, msg: string): void {
    this.messages.push(`[ERROR] ${msg} [json-pointer:${path}]`);
  }
}

function invalidArguments(messages: string[]): any {
  return { ok: false, error: "invalid_arguments", response_metadata: { messages } };
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasText(v: unknown): boolean {
  return typeof v === "string" && v.length > 0;
}

function strMax(c: Checker, path: string, v: unknown, max: number, name: string): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "string") c.err(path, `${name} must be a string`);
  else if (v.length > max) c.err(path, `${name} must be less than ${max + 1} characters (got ${v.length})`);
}

function textObj(c: Checker, path: string, t: unknown, o: { max: number; name: string; plain?: boolean; required?: boolean }): void {
  if (t === undefined || t === null) {
    if (o.required) c.err(path, `missing required field: ${o.name}`);
    return;
  }
  if (!isObject(t) || typeof t.text !== "string") {
    c.err(path, `${o.name} must be a text object {type, text}`);
    return;
  }
  if (o.plain && t.type !== "plain_text") c.err(`${path}/type`, `${o.name} must be plain_text`);
  else if (t.type !== "plain_text" && t.type !== "mrkdwn")
    c.err(`${path}/type`, `${o.name} has unknown text type ${JSON.stringify(t.type)}`);
  if (t.text.length === 0) c.err(`${path}/text`, `${o.name} must be more than 0 characters`);
  if (t.text.length > o.max) c.err(`${path}/text`, `${o.name} must be less than ${o.max + 1} characters (got ${t.text.length})`);
}

function checkView(c: Checker, path: string, view: unknown, surface: "modal" | "home"): void {
  if (!isObject(view)) {
    c.err(path, "missing required field: view");
    return;
  }
  if (view.type !== surface) {
    c.err(`${path}/type`, `view type must be ${surface} here (got ${JSON.stringify(view.type)})`);
    return;
  }
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) {
    c.err(`${path}/blocks`, "missing required field: blocks");
  } else {
    checkBlocks(c, `${path}/blocks`, blocks, surface, 100);
  }
  if (surface === "modal") {
    textObj(c, `${path}/title`, view.title, { max: 24, name: "title", plain: true, required: true });
    textObj(c, `${path}/submit`, view.submit, { max: 24, name: "submit", plain: true });
    textObj(c, `${path}/close`, view.close, { max: 24, name: "close", plain: true });
    if (Array.isArray(blocks) && blocks.some((b) => isObject(b) && b.type === "input") && !view.submit) {
      c.err(`${path}/submit`, "submit is required when an input block is within the blocks array");
    }
  }
  strMax(c, `${path}/private_metadata`, view.private_metadata, 3000, "private_metadata");
  strMax(c, `${path}/callback_id`, view.callback_id, 255, "callback_id");
  strMax(c, `${path}/external_id`, view.external_id, 255, "external_id");
  const size = JSON.stringify(view).length;
  if (size > 250_000) c.err(path, `view_too_large: ${size} bytes (max 250 kB)`);
}

/** Returns the Slack error code to answer with when the problem is not invalid_blocks. */
function checkMessage(c: Checker, args: Record<string, any>): string | undefined {
  let code: string | undefined;
  if (args.text !== undefined && typeof args.text !== "string") c.err("/text", "text must be a string");
  if (typeof args.text === "string" && args.text.length > 40000) {
    c.err("/text", `msg_too_long: text must be at most 40000 characters (got ${args.text.length})`);
    code = "msg_too_long";
  }
  if (args.blocks !== undefined) {
    if (!Array.isArray(args.blocks)) c.err("/blocks", "blocks must be an array");
    else {
      checkBlocks(c, "/blocks", args.blocks, "message", 50);
      const total = countText(args.blocks);
      if (total > 12000) {
        c.err("/blocks", `msg_blocks_too_long: ${total} characters of text in blocks (max 12000)`);
        code = "msg_blocks_too_long";
      }
    }
  }
  if (args.attachments !== undefined) {
    if (!Array.isArray(args.attachments)) c.err("/attachments", "attachments must be an array");
    else {
      if (args.attachments.length > 100) c.err("/attachments", "no more than 100 attachments allowed");
      args.attachments.forEach((a: any, i: number) => {
        if (isObject(a) && Array.isArray(a.blocks)) checkBlocks(c, `/attachments/${i}/blocks`, a.blocks, "message", 50);
      });
    }
  }
  return code;
}

function countText(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countText(x), 0);
  if (!isObject(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (k === "text" && typeof x === "string") n += x.length;
    else n += countText(x);
  }
  return n;
}

function checkBlocks(c: Checker, path: string, blocks: unknown[], surface: "modal" | "home" | "message", max: number): void {
  if (blocks.length > max) c.err(path, `no more than ${max} items allowed (got ${blocks.length})`);
  blocks.forEach((b, i) => checkBlock(c, `${path}/${i}`, b, surface));
}

function checkBlock(c: Checker, p: string, b: unknown, surface: "modal" | "home" | "message"): void {
  if (!isObject(b)) {
    c.err(p, "block must be an object");
    return;
  }
  if (!KNOWN_BLOCKS.has(b.type)) {
    c.err(`${p}/type`, `unknown block type ${JSON.stringify(b.type)}`);
    return;
  }
  if (b.block_id !== undefined) {
    strMax(c, `${p}/block_id`, b.block_id, 255, "block_id");
    if (c.blockIds.has(String(b.block_id))) c.err(`${p}/block_id`, `duplicate block_id ${JSON.stringify(b.block_id)}`);
    c.blockIds.add(String(b.block_id));
  }
  const actionIds = new Set<string>();
  const el = (path: string, e: unknown) => checkElement(c, path, e, actionIds);
  switch (b.type) {
    case "section":
      if (b.text === undefined && b.fields === undefined) c.err(p, "section needs text or fields");
      textObj(c, `${p}/text`, b.text, { max: 3000, name: "section text" });
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields)) c.err(`${p}/fields`, "fields must be an array");
        else {
          if (b.fields.length > 10) c.err(`${p}/fields`, `no more than 10 items allowed (got ${b.fields.length})`);
          b.fields.forEach((f: unknown, i: number) => textObj(c, `${p}/fields/${i}`, f, { max: 2000, name: "field", required: true }));
        }
      }
      if (b.accessory !== undefined) el(`${p}/accessory`, b.accessory);
      break;
    case "header":
      textObj(c, `${p}/text`, b.text, { max: 150, name: "header text", plain: true, required: true });
      break;
    case "actions":
      if (!Array.isArray(b.elements) || b.elements.length === 0) c.err(`${p}/elements`, "actions block needs 1 to 25 elements");
      else {
        if (b.elements.length > 25) c.err(`${p}/elements`, `no more than 25 items allowed (got ${b.elements.length})`);
        b.elements.forEach((e: unknown, i: number) => el(`${p}/elements/${i}`, e));
      }
      break;
    case "context":
      if (!Array.isArray(b.elements) || b.elements.length === 0) c.err(`${p}/elements`, "context block needs 1 to 10 elements");
      else {
        if (b.elements.length > 10) c.err(`${p}/elements`, `no more than 10 items allowed (got ${b.elements.length})`);
        b.elements.forEach((e: any, i: number) => {
          if (isObject(e) && e.type !== "image") textObj(c, `${p}/elements/${i}`, e, { max: 3000, name: "context text" });
        });
      }
      break;
    case "input":
      if (surface === "message") c.err(p, "input blocks are only allowed in modals and the Home tab, not in messages");
      textObj(c, `${p}/label`, b.label, { max: 2000, name: "label", plain: true, required: true });
      textObj(c, `${p}/hint`, b.hint, { max: 2000, name: "hint", plain: true });
      if (!isObject(b.element)) c.err(`${p}/element`, "missing required field: element");
      else el(`${p}/element`, b.element);
      break;
    case "image":
      if (!b.image_url && !b.slack_file) c.err(p, "image needs image_url or slack_file");
      strMax(c, `${p}/alt_text`, b.alt_text, 2000, "alt_text");
      if (!b.alt_text) c.err(`${p}/alt_text`, "missing required field: alt_text");
      textObj(c, `${p}/title`, b.title, { max: 2000, name: "title", plain: true });
      break;
    case "markdown":
      strMax(c, `${p}/text`, b.text, 12000, "markdown text");
      break;
    default:
      break;
  }
}

function checkConfirm(c: Checker, p: string, conf: unknown): void {
  if (conf === undefined) return;
  if (!isObject(conf)) {
    c.err(p, "confirm must be an object");
    return;
  }
  textObj(c, `${p}/title`, conf.title, { max: 100, name: "confirm title", plain: true, required: true });
  textObj(c, `${p}/text`, conf.text, { max: 300, name: "confirm text", required: true });
  textObj(c, `${p}/confirm`, conf.confirm, { max: 30, name: "confirm button", plain: true, required: true });
  textObj(c, `${p}/deny`, conf.deny, { max: 30, name: "deny button", plain: true, required: true });
}

function checkOption(c: Checker, p: string, o: unknown, textType: "plain_text" | "any"): void {
  if (!isObject(o)) {
    c.err(p, "option must be an object");
    return;
  }
  textObj(c, `${p}/text`, o.text, { max: 75, name: "option text", plain: textType === "plain_text", required: true });
  if (typeof o.value !== "string" || o.value.length === 0) c.err(`${p}/value`, "option value must be a non-empty string");
  else strMax(c, `${p}/value`, o.value, 75, "option value");
  textObj(c, `${p}/description`, o.description, { max: 75, name: "option description", plain: textType === "plain_text" });
  strMax(c, `${p}/url`, o.url, 3000, "option url");
}

function checkOptionList(c: Checker, p: string, options: unknown, max: number, textType: "plain_text" | "any"): void {
  if (!Array.isArray(options)) {
    c.err(p, "options must be an array");
    return;
  }
  if (options.length > max) c.err(p, `no more than ${max} items allowed (got ${options.length})`);
  options.forEach((o, i) => checkOption(c, `${p}/${i}`, o, textType));
}

function checkOptionGroups(c: Checker, p: string, groups: unknown, max: number): void {
  if (!Array.isArray(groups)) {
    c.err(p, "option_groups must be an array");
    return;
  }
  if (groups.length > max) c.err(p, `no more than ${max} items allowed (got ${groups.length})`);
  groups.forEach((g, i) => {
    if (!isObject(g)) return c.err(`${p}/${i}`, "option group must be an object");
    textObj(c, `${p}/${i}/label`, g.label, { max: 75, name: "option group label", plain: true, required: true });
    checkOptionList(c, `${p}/${i}/options`, g.options, 100, "plain_text");
  });
}

function allOptions(e: any): any[] {
  if (Array.isArray(e.options)) return e.options;
  if (Array.isArray(e.option_groups)) return e.option_groups.flatMap((g: any) => (Array.isArray(g?.options) ? g.options : []));
  return [];
}

function sameOption(a: any, b: any): boolean {
  return isObject(a) && isObject(b) && a.value === b.value && a.text?.text === b.text?.text;
}

function checkInitialOptions(c: Checker, p: string, e: any, textType: "plain_text" | "any"): void {
  const opts = allOptions(e);
  const check = (path: string, o: unknown) => {
    checkOption(c, path, o, textType);
    if (opts.length && !opts.some((x) => sameOption(x, o))) c.err(path, "initial option must exactly match one of the options");
  };
  if (e.initial_option !== undefined) check(`${p}/initial_option`, e.initial_option);
  if (e.initial_options !== undefined) {
    if (!Array.isArray(e.initial_options)) c.err(`${p}/initial_options`, "initial_options must be an array");
    else e.initial_options.forEach((o: unknown, i: number) => check(`${p}/initial_options/${i}`, o));
  }
}

function checkElement(c: Checker, p: string, e: unknown, actionIds: Set<string>): void {
  if (!isObject(e)) {
    c.err(p, "element must be an object");
    return;
  }
  if (e.action_id !== undefined) {
    strMax(c, `${p}/action_id`, e.action_id, 255, "action_id");
    if (actionIds.has(String(e.action_id))) c.err(`${p}/action_id`, `duplicate action_id ${JSON.stringify(e.action_id)} in one block`);
    actionIds.add(String(e.action_id));
  }
  textObj(c, `${p}/placeholder`, e.placeholder, { max: 150, name: "placeholder", plain: true });
  checkConfirm(c, `${p}/confirm`, e.confirm);
  switch (e.type) {
    case "button":
      textObj(c, `${p}/text`, e.text, { max: 75, name: "button text", plain: true, required: true });
      strMax(c, `${p}/value`, e.value, 2000, "button value");
      strMax(c, `${p}/url`, e.url, 3000, "button url");
      if (e.style !== undefined && e.style !== "primary" && e.style !== "danger") c.err(`${p}/style`, "style must be primary or danger");
      break;
    case "static_select":
    case "multi_static_select":
      if ((e.options === undefined) === (e.option_groups === undefined)) c.err(p, "exactly one of options or option_groups is required");
      if (e.options !== undefined) checkOptionList(c, `${p}/options`, e.options, 100, "plain_text");
      if (e.option_groups !== undefined) checkOptionGroups(c, `${p}/option_groups`, e.option_groups, 100);
      checkInitialOptions(c, p, e, "plain_text");
      break;
    case "external_select":
    case "multi_external_select":
      checkInitialOptions(c, p, e, "plain_text");
      break;
    case "overflow":
      if (!Array.isArray(e.options) || e.options.length < 1) c.err(`${p}/options`, "overflow needs 1 to 5 options");
      else checkOptionList(c, `${p}/options`, e.options, 5, "plain_text");
      break;
    case "radio_buttons":
    case "checkboxes":
      if (!Array.isArray(e.options) || e.options.length < 1) c.err(`${p}/options`, `${e.type} needs 1 to 10 options`);
      else checkOptionList(c, `${p}/options`, e.options, 10, "any");
      checkInitialOptions(c, p, e, "any");
      break;
    case "plain_text_input":
      if (e.max_length !== undefined && (typeof e.max_length !== "number" || e.max_length > 3000 || e.max_length < 1)) {
        c.err(`${p}/max_length`, "max_length must be a number from 1 to 3000");
      }
      if (e.min_length !== undefined && (typeof e.min_length !== "number" || e.min_length > 3000 || e.min_length < 0)) {
        c.err(`${p}/min_length`, "min_length must be a number from 0 to 3000");
      }
      if (typeof e.min_length === "number" && typeof e.max_length === "number" && e.min_length > e.max_length) {
        c.err(`${p}/min_length`, "min_length must not exceed max_length");
      }
      strMax(c, `${p}/initial_value`, e.initial_value, typeof e.max_length === "number" ? e.max_length : 3000, "initial_value");
      break;
    case "datepicker":
      if (e.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(e.initial_date)))
        c.err(`${p}/initial_date`, "initial_date must be YYYY-MM-DD");
      break;
    default:
      break;
  }
}

// ==================================================================== helpers

/** Slack fills in block_id / action_id where the app left them out. */
function normalizeBlocks(blocks: unknown): any[] {
  if (!Array.isArray(blocks)) return [];
  const copy = JSON.parse(JSON.stringify(blocks)) as any[];
  let n = 0;
  const used = new Set(copy.map((b) => b?.block_id).filter((x) => x !== undefined));
  const fresh = () => {
    let id: string;
    do id = `${hex(2)}${(n++).toString(36)}`;
    while (used.has(id));
    used.add(id);
    return id;
  };
  for (const b of copy) {
    if (!isObject(b)) continue;
    if (b.block_id === undefined) b.block_id = fresh();
    const els: any[] = [...(Array.isArray(b.elements) && b.type === "actions" ? b.elements : []), b.accessory, b.element].filter(isObject);
    for (const e of els) if (e.action_id === undefined && e.type !== "image") e.action_id = `${hex(2)}${(n++).toString(36)}`;
  }
  return copy;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
