/**
 * How background workers (audit delivery, rotation reminders) post to Slack. They retry from the
 * database, not in memory, so a failed post is classified here and the caller records it on its
 * row (attempts, last error, next attempt).
 */

/** A message as the workers build it (Block Kit plus its notification text). */
export interface WorkerMessage {
  text: string;
  blocks: unknown[];
}

/** The one Web API method the workers need: a WebClient (see workerSlackClient), or anything shaped like it. */
export interface Poster {
  chat: {
    postMessage(args: { channel: string; text: string; blocks: unknown[]; unfurl_links: boolean; unfurl_media: boolean }): Promise<unknown>;
  };
}

/** Posts `message` to a channel, or to the bot's DM with a user when `channel` is a user id. Throws on failure. */
export async function postMessage(poster: Poster, channel: string, message: WorkerMessage): Promise<void> {
  await poster.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
}

/** Why a post failed. */
export interface PostFailure {
  /** Short code stored on the row, e.g. "ratelimited", "channel_not_found". */
  code: string;
  /** Slack asked us to wait this long (HTTP 429 Retry-After). */
  retryAfterMs?: number;
  /** Will not fix itself (bot not in channel, channel gone): the caller decides what that means. */
  permanent: boolean;
}

/**
 * Slack errors that will not fix themselves: retrying soon will not help; a person must act
 * (invite the bot, pick another channel, reinstall the app).
 */
const PERMANENT_SLACK_ERRORS = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "missing_scope",
  "no_permission",
  "restricted_action",
  "restricted_action_read_only_channel",
  "restricted_action_non_threadable_channel",
  "ekm_access_denied",
  "team_access_not_granted",
  "invalid_blocks",
  "invalid_arguments",
  "msg_too_long",
  "msg_blocks_too_long",
]);

/** Classifies an error thrown by the Web API client (or a plain Error). */
export function classifySlackError(err: unknown): PostFailure {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; message?: string } | undefined;
  switch (e?.code) {
    case "slack_webapi_rate_limited_error":
      return { code: "ratelimited", retryAfterMs: Math.max(0, Number(e.retryAfter ?? 1)) * 1000, permanent: false };
    case "slack_webapi_platform_error": {
      const code = String(e.data?.error ?? "unknown_error");
      return { code, permanent: PERMANENT_SLACK_ERRORS.has(code) };
    }
    case "slack_webapi_http_error":
      return { code: `http_${e.statusCode ?? "error"}`, permanent: false };
    case "slack_webapi_request_error":
      return { code: `request_error: ${String(e.message ?? "").slice(0, 200)}`, permanent: false };
  }
  // A WebClient that is not told to reject rate-limited calls waits, then throws this.
  const limited = /rate limit was exceeded.*retry-after: (\d+)/i.exec(String(e?.message ?? ""));
  if (limited) return { code: "ratelimited", retryAfterMs: Number(limited[1]) * 1000, permanent: false };
  return { code: `error: ${String(e?.message ?? err).slice(0, 200)}`, permanent: false };
}
