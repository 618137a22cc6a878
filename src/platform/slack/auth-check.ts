import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { StartupError, causeText } from "../startup.js";

/** auth.test answers that no retry will fix: the token itself is wrong. */
const BAD_TOKEN_ERRORS = new Set([
  "invalid_auth",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "not_authed",
  "not_allowed_token_type",
]);

export interface SlackAuthOptions {
  token: string;
  /** SLACK_API_URL, or Slack's own. */
  apiUrl: string;
  /** Counts each attempt: the Web API method and Slack's error code, "ratelimited", "http_<status>" or "request_error". */
  record?: (method: string, error: string | undefined) => void;
  /** A warning per failed attempt (Slack unreachable, 5xx, rate limited). */
  warn: (fields: { url: string; error: string; attempt: number; retryInMs: number }, msg: string) => void;
  /** Delays between attempts: 1 s doubling to 30 s by default. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Stop retrying (shutdown); the promise then rejects. */
  signal?: AbortSignal;
}

export interface SlackIdentity {
  botUserId: string;
  botId: string;
  teamId: string;
}

/**
 * Calls auth.test until Slack answers. Slack unreachable, HTTP errors and rate limits are logged
 * (with the URL and the error) and retried for as long as it takes; a token Slack refuses ends
 * start-up with a StartupError that says so. Each failed attempt is seen (and logged) at once.
 *
 * Over node:http(s), not the Web API client: that client's fetch loads undici, about 30 ms of
 * CPU that every start would spend before it is ready (the HTTP server has node:http loaded
 * already). The first Slack call after start loads it instead, off the ack path.
 */
export async function waitForSlackAuth(o: SlackAuthOptions): Promise<SlackIdentity> {
  const url = `${o.apiUrl}auth.test`;
  let delay = o.minDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw new Error("stopped while waiting for Slack");
    let error: string;
    try {
      const answer = await postAuthTest(url, o.token);
      error = answer.error ?? "";
      o.record?.("auth.test", answer.label ?? answer.error);
      if (answer.identity) return answer.identity;
      if (BAD_TOKEN_ERRORS.has(error)) {
        throw new StartupError(
          "checking SLACK_BOT_TOKEN with Slack (auth.test)",
          "The bot token is wrong, revoked or belongs to an uninstalled app: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN.",
          `Slack answered ${error}`,
        );
      }
    } catch (err) {
      if (err instanceof StartupError) throw err;
      o.record?.("auth.test", "request_error");
      error = innermostCause(err);
    }
    o.warn(
      { url, error, attempt, retryInMs: delay },
      `Slack is not reachable at ${url} (${error}); AppKeys is not ready and retries in ${Math.round(delay / 1000)} s`,
    );
    // The listener goes when the wait ends: the bot retries for as long as Slack is away, and
    // one listener left per attempt piles up on the signal (Node warns at 11).
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        o.signal?.removeEventListener("abort", onAbort);
        resolve();
      }, delay);
      if (o.signal?.aborted) onAbort();
      else o.signal?.addEventListener("abort", onAbort, { once: true });
    });
    delay = Math.min(delay * 2, o.maxDelayMs ?? 30_000);
  }
}

const TIMEOUT_MS = 10_000;

/**
 * One auth.test: the bot's identity, or the error to log ("ratelimited", "HTTP 503", Slack's error
 * code, "invalid_response"). Rejects when there is no answer (refused, reset, timed out).
 */
interface Answer {
  identity?: SlackIdentity;
  error?: string;
  /** The metric's error label when it differs from `error` (http_503, as the Web API client's calls are counted). */
  label?: string;
}

function postAuthTest(url: string, token: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = (target.protocol === "https:" ? httpsRequest : httpRequest)(
      target,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/x-www-form-urlencoded",
          "content-length": "0",
        },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status === 429) return resolve({ error: "ratelimited" });
          if (status !== 200) return resolve({ error: `HTTP ${status}`, label: `http_${status}` });
          resolve(readAnswer(Buffer.concat(chunks).toString("utf8")));
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}

function readAnswer(text: string): Answer {
  let data: { ok?: unknown; error?: unknown; user_id?: unknown; bot_id?: unknown; team_id?: unknown };
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    return { error: "invalid_response" };
  }
  if (data.ok !== true) return { error: typeof data.error === "string" ? data.error : "unknown_error" };
  return { identity: { botUserId: String(data.user_id ?? ""), botId: String(data.bot_id ?? ""), teamId: String(data.team_id ?? "") } };
}

/**
 * What went wrong in words: "connect ECONNREFUSED 127.0.0.1:9". A host name with several
 * addresses fails with an AggregateError whose own message is empty: its first error says it.
 */
export function innermostCause(err: unknown): string {
  let e = err as { cause?: unknown; errors?: unknown[]; message?: unknown } | undefined;
  for (let i = 0; i < 5 && e; i++) {
    const next = e.cause ?? (!e.message && Array.isArray(e.errors) ? e.errors[0] : undefined);
    if (!next) break;
    e = next as typeof e;
  }
  return causeText(e);
}
