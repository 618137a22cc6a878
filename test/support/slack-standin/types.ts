/** Types and limits shared by the Slack stand-in's files. */

/**
 * JSON as it crossed the wire (a call's parsed arguments, the stand-in's answer, a stored view).
 * Tests read deep into it (`call.response.view.id`, `call.args.blocks`) and a wrong path fails
 * their assertion; typing every Slack payload the app may send would make each test spell out
 * Slack's schema. This alias is the one deliberately loose type of the stand-in: what it builds
 * and checks itself is typed below.
 */
// biome-ignore lint/suspicious/noExplicitAny: recorded wire JSON that tests index freely (see above).
export type WireJson = any;

/** A JSON object whose fields are still to be checked. */
export type JsonObject = Record<string, unknown>;

export interface RecordedCall {
  /** Web API method name (`views.open`), or `response_url`, or `view_response` (see applyViewResponse). */
  method: string;
  /** Parsed arguments; JSON-string fields (`view`, `blocks`, ...) are parsed; `token` is removed (see `token`). */
  args: Record<string, WireJson>;
  /** The JSON body the stand-in answered with (plus `failed: true` for injected failures; not sent). */
  response: WireJson;
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

/** A users.info user: the fields Slack always sends, plus whatever the test set. */
export interface StandInUser extends JsonObject {
  id: string;
  name: string;
  real_name: string;
  profile: JsonObject & { real_name: string; display_name: string; email: string };
}

export interface StandInOptions {
  botUserId?: string;
  botId?: string;
  teamId?: string;
  teamDomain?: string;
  appId?: string;
  /** Users known to users.info; partial objects are completed (name, profile, tz...). */
  users?: Record<string, JsonObject>;
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

/** What a Web API method answers (always JSON with `ok`). */
export interface ApiAnswer extends JsonObject {
  ok: boolean;
  error?: string;
  response_metadata?: { messages: string[] };
}

/** A view as Slack returns it from views.* (and as the stand-in keeps it). */
export interface StoredView {
  id: string;
  team_id: string;
  type: unknown;
  blocks: unknown[];
  private_metadata: unknown;
  callback_id: unknown;
  state: { values: JsonObject };
  hash: string;
  title: unknown;
  clear_on_close: unknown;
  notify_on_close: unknown;
  close: unknown;
  submit: unknown;
  previous_view_id: string | null;
  root_view_id: string;
  app_id: string;
  external_id: unknown;
  app_installed_team_id: string;
  bot_id: string;
}

/** A channel message as chat.postMessage / chat.update leave it. */
export interface StoredMessage extends JsonObject {
  channel: string;
  text: unknown;
  ts: string;
}

/** What the per-method handlers need from the stand-in. */
export interface StandInContext {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly botId: string;
  readonly botUserId: string;
  now(): number;
  /** One counter for trigger ids, response URLs and view ids. */
  nextSeq(): number;
}

export const TRIGGER_TTL_MS = 3000;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
export const RESPONSE_URL_MAX_USES = 5;
export const MAX_VIEW_STACK = 3;
