/**
 * What a failed Web API call says, read the one way: `@slack/web-api` rejects with an error whose
 * `data.error` is Slack's own answer (`not_in_channel`, `invalid_auth`, ...) and whose `code` names
 * the client's failure class (`slack_webapi_platform_error`, `slack_webapi_request_error`, ...).
 */
interface WebApiErrorShape {
  code?: unknown;
  data?: { error?: unknown } | null;
}

/** Slack's error code, when Slack answered one; undefined for network errors and anything else. */
export function slackApiError(err: unknown): string | undefined {
  const code = (err as WebApiErrorShape | null | undefined)?.data?.error;
  return typeof code === "string" ? code : undefined;
}

/** For logs and messages: Slack's error code, else the client's own error code, else "unknown". */
export function slackCode(err: unknown): string {
  const code = (err as WebApiErrorShape | null | undefined)?.code;
  return slackApiError(err) ?? (typeof code === "string" ? code : "unknown");
}
