/**
 * The stand-in's HTTP server and public API: recording, injected failures and delays, waits,
 * response URLs and the answers to view submissions. The Web API methods themselves live in
 * views.ts, chat.ts and directory.ts; the limits in limits.ts and elements.ts. Over 300 lines
 * because it is the whole public API tests use; most methods are one-line delegations.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MessageStore } from "./chat.js";
import { Directory } from "./directory.js";
import { Checker, hasText, isObject } from "./check.js";
import { checkMessage, checkOptionsResponse, VALIDATION_ERRORS } from "./limits.js";
import {
  RESPONSE_URL_MAX_USES,
  RESPONSE_URL_TTL_MS,
  type ApiAnswer,
  type FailOptions,
  type JsonObject,
  type RecordedCall,
  type StandInContext,
  type StandInOptions,
  type StandInUser,
  type StoredMessage,
  type StoredView,
  type ViewResponseOutcome,
  type WireJson,
} from "./types.js";
import { answerViewSubmission } from "./view-response.js";
import { ViewStore } from "./views.js";
import { hex, parseArgs, readBody, sendJson } from "./wire.js";

interface ResponseUrlEntry {
  createdAt: number;
  uses: number;
}

export class SlackStandIn implements StandInContext {
  readonly url: string;
  readonly port: number;
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;

  calls: RecordedCall[] = [];
  violations: string[] = [];

  private readonly server: Server;
  private readonly nowFn: () => number;
  private clockOffset = 0;
  private seq = 0;
  private readonly viewStore: ViewStore;
  private readonly chat: MessageStore;
  private readonly directory: Directory;
  private readonly responseUrls = new Map<string, ResponseUrlEntry>();
  private failures: Array<{ method: string; opts: FailOptions; remaining: number }> = [];
  private readonly delays = new Map<string, number>();
  private readonly handlers: Record<string, (args: JsonObject) => ApiAnswer>;

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
    this.viewStore = new ViewStore(this);
    this.chat = new MessageStore(this);
    this.directory = new Directory(this);
    for (const [id, u] of Object.entries(opts.users ?? {})) this.addUser(id, u);
    this.directory.usergroups = { ...(opts.usergroups ?? {}) };
    const views = this.viewStore;
    const chat = this.chat;
    const dir = this.directory;
    this.handlers = {
      "api.test": (args) => ({ ok: true, args }),
      "auth.test": () => dir.authTest(),
      "views.open": (args) => views.open(args),
      "views.push": (args) => views.push(args),
      "views.update": (args) => views.update(args),
      "views.publish": (args) => views.publish(args),
      "chat.postMessage": (args) => chat.post(args, false),
      "chat.postEphemeral": (args) => chat.post(args, true),
      "chat.update": (args) => chat.update(args),
      "chat.delete": (args) => chat.delete(args),
      "conversations.open": (args) => dir.openConversation(args),
      // Users' messages are not stored here (tests send them as events): any ts gets a permalink.
      "chat.getPermalink": (args) => {
        if (!args.channel) return { ok: false, error: "channel_not_found" };
        if (!/^\d+\.\d+$/.test(String(args.message_ts ?? ""))) return { ok: false, error: "message_not_found" };
        const p = `p${String(args.message_ts).replace(".", "")}`;
        return { ok: true, channel: args.channel, permalink: `https://${this.teamDomain}.slack.com/archives/${args.channel}/${p}` };
      },
      "users.info": (args) => dir.userInfo(args),
      "usergroups.users.list": (args) => dir.usergroupMembers(args),
      "usergroups.list": (args) => dir.usergroupsList(args),
    };
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

  // ---------------------------------------------------------------- state, as Slack would return it

  /** Current (last known) view per view id. Closed views stay here; see isOpen(). */
  get views(): Map<string, StoredView> {
    return this.viewStore.views;
  }

  /** users.info data, by user id. */
  get users(): Record<string, StandInUser> {
    return this.directory.users;
  }

  /** usergroups.users.list data: usergroup id -> user ids. */
  get usergroups(): Record<string, string[]> {
    return this.directory.usergroups;
  }

  set usergroups(groups: Record<string, string[]>) {
    this.directory.usergroups = groups;
  }

  /** usergroups.list data: usergroup id -> handle, name, date_delete (> 0: disabled). */
  get usergroupInfo(): Record<string, { handle: string; name: string; date_delete?: number }> {
    return this.directory.usergroupInfo;
  }

  /** Persisted channel messages (chat.postMessage / chat.update), key `${channel}:${ts}`. Ephemerals are not kept. */
  get messages(): Map<string, StoredMessage> {
    return this.chat.messages;
  }

  // ---------------------------------------------------------------- clock

  now(): number {
    return this.nowFn() + this.clockOffset;
  }

  /** Move the stand-in clock forward (expires triggers / response URLs without sleeping). */
  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
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

  /**
   * Polls every 10 ms until `pred(calls)` is truthy; returns the calls. (Not vi.waitFor: the
   * benchmarks use the stand-in outside vitest.)
   */
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

  /** Answer another Web API method (e.g. apps.connections.open for a Socket Mode stand-in). */
  addMethod(method: string, handler: (args: JsonObject) => ApiAnswer): void {
    this.handlers[method] = handler;
  }

  addUser(id: string, fields: JsonObject = {}): StandInUser {
    return this.directory.addUser(id, fields);
  }

  // ---------------------------------------------------------------- triggers / response urls

  /** A trigger id valid for 3 s and one use. `viewId`: the view the interaction happened in (for views.push). */
  issueTriggerId(viewId?: string): string {
    return this.viewStore.issueTriggerId(viewId);
  }

  /** A fresh response URL (5 uses within 30 minutes). Posts are recorded as method `response_url`. */
  responseUrl(): string {
    const id = `${this.teamId}/${this.nextSeq()}/${hex(12)}`;
    this.responseUrls.set(id, { createdAt: this.now(), uses: 0 });
    return `http://127.0.0.1:${this.port}/response/${id}`;
  }

  // ---------------------------------------------------------------- views

  currentView(id: string): WireJson {
    return this.viewStore.views.get(id);
  }

  isOpen(id: string): boolean {
    return this.viewStore.isOpen(id);
  }

  lastOpenedView(): WireJson {
    return this.viewStore.lastOpened();
  }

  /** Open views of the stack that `viewId` belongs to, bottom first (the last one is what the user sees). */
  stackOf(viewId: string): string[] {
    return this.viewStore.stackOf(viewId);
  }

  /** The view the user currently sees in the stack of `viewId` (default: the most recently opened stack). */
  topView(viewId?: string): WireJson {
    return this.viewStore.topView(viewId);
  }

  homeView(userId: string): WireJson {
    return this.viewStore.homeView(userId);
  }

  /**
   * Close a modal the way Slack does after an empty ack: the view (and anything pushed above it)
   * leaves the stack. With `clearStack`, the whole stack closes (response_action `clear`).
   * Returns the ids closed.
   */
  closeView(id: string, opts: { clearStack?: boolean } = {}): string[] {
    return this.viewStore.closeView(id, opts);
  }

  /**
   * Apply what the app acknowledged to a `view_submission` of `viewId`, as Slack would:
   * empty / `{}` -> close that view; `clear` -> close the stack; `update` / `push` -> validate and
   * apply the view; `errors` -> leave open (error keys must be input block ids of the view).
   * The ack is recorded as a call with method `view_response` (args: `{view_id, ...ack}`).
   * Invalid answers are recorded in `violations` and leave the view as it was.
   */
  applyViewResponse(viewId: string, body: unknown): ViewResponseOutcome {
    const outcome = answerViewSubmission(this.viewStore, viewId, body);
    if (outcome.action === "rejected") {
      this.violations.push(...outcome.messages.map((m) => `view_response: ${m}`));
      const args = { view_id: viewId, ...(isObject(body) ? body : { body }) };
      this.record("view_response", args, { ok: false, messages: outcome.messages }, 200);
    } else {
      this.record("view_response", { view_id: viewId, ...(isObject(body) ? body : {}) }, { ok: true, outcome }, 200);
    }
    return outcome;
  }

  /** Check an answer to block_suggestion (options / option_groups); records violations. Returns the messages. */
  checkOptionsResponse(body: unknown): string[] {
    const c = new Checker();
    checkOptionsResponse(c, body);
    this.violations.push(...c.messages.map((m) => `block_suggestion: ${m}`));
    return c.messages;
  }

  /** A stored channel message (from chat.postMessage / chat.update). */
  message(channel: string, ts: string): WireJson {
    return this.chat.get(channel, ts);
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

  private takeFailure(method: string): FailOptions | undefined {
    const f = this.failures.find((x) => (x.method === method || x.method === "*") && x.remaining > 0);
    if (!f) return undefined;
    f.remaining -= 1;
    this.failures = this.failures.filter((x) => x.remaining > 0);
    return f.opts;
  }

  private record(method: string, args: JsonObject, response: unknown, status: number, extra: Partial<RecordedCall> = {}): RecordedCall {
    const call: RecordedCall = { method, args, response, at: this.now(), status, ...extra };
    this.calls.push(call);
    return call;
  }

  private async maybeDelay(method: string): Promise<void> {
    const ms = this.delays.get(method) ?? this.delays.get("*");
    if (ms) await new Promise((r) => setTimeout(r, ms));
  }

  /** Answer an injected failure if one is queued for `method`. */
  private sendFailure(method: string, res: ServerResponse, args: JsonObject, extra: Partial<RecordedCall>): boolean {
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
    const { args, bad } = parseArgs(req, raw, url);
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

    let response: ApiAnswer;
    if (!token) response = { ok: false, error: "not_authed" };
    else if (!/^(xox[abpe]|xapp)-/.test(token)) response = { ok: false, error: "invalid_auth" };
    else if (bad) response = { ok: false, error: "invalid_arguments", response_metadata: { messages: [`[ERROR] ${bad}`] } };
    else {
      const handler = this.handlers[method];
      response = handler ? handler(args) : { ok: false, error: "unknown_method" };
    }
    const messages = response.response_metadata?.messages ?? [];
    if (!response.ok && messages.length && VALIDATION_ERRORS.has(response.error ?? "")) {
      for (const m of messages) this.violations.push(`${method}: ${m}`);
    }
    this.record(method, args, response, 200, extra);
    sendJson(res, 200, response);
  }

  private async handleResponseUrl(id: string, req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
    const { args, bad } = parseArgs(req, raw, new URL("http://x/"));
    const extra: Partial<RecordedCall> = { responseUrlId: id };
    await this.maybeDelay("response_url");
    if (this.sendFailure("response_url", res, args, extra)) return;
    const entry = this.responseUrls.get(id);
    let status = 200;
    let body: ApiAnswer = { ok: true };
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
}
