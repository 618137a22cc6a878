import { webApi } from "@slack/bolt";
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
  fetch?: webApi.WebClientOptions["fetch"];
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
 * start-up with a StartupError that says so. Uses its own client without the Web API client's
 * built-in retries, so each failed attempt is seen (and logged) at once.
 */
export async function waitForSlackAuth(o: SlackAuthOptions): Promise<SlackIdentity> {
  const client = new webApi.WebClient(o.token, {
    slackApiUrl: o.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    logLevel: webApi.LogLevel.ERROR,
    logger: silentLogger,
  });
  const url = `${o.apiUrl}auth.test`;
  let delay = o.minDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw new Error("stopped while waiting for Slack");
    try {
      const r = await client.auth.test();
      return { botUserId: String(r.user_id ?? ""), botId: String(r.bot_id ?? ""), teamId: String(r.team_id ?? "") };
    } catch (err) {
      const e = err as { code?: string; data?: { error?: string } };
      const slackError = e.code === webApi.ErrorCode.PlatformError ? e.data?.error : undefined;
      if (slackError && BAD_TOKEN_ERRORS.has(slackError)) {
        throw new StartupError(
          "checking SLACK_BOT_TOKEN with Slack (auth.test)",
          "The bot token is wrong, revoked or belongs to an uninstalled app: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN.",
          `Slack answered ${slackError}`,
        );
      }
      const error = slackError ?? innermostCause(err);
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
}

/** "fetch failed" says little: the innermost cause says "connect ECONNREFUSED 127.0.0.1:9". */
function innermostCause(err: unknown): string {
  let e = err as { original?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 5 && e && (e.original || e.cause); i++) e = (e.original ?? e.cause) as typeof e;
  return causeText(e);
}

const silentLogger: webApi.Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => webApi.LogLevel.ERROR,
  setName: () => {},
};
