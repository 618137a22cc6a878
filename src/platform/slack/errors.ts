import { randomUUID } from "node:crypto";
import { DomainError } from "../../shared/errors.js";
import type { Logger } from "../../logger.js";
import { slackApiError } from "./slack-error.js";

export interface UserFacingError {
  text: string;
  requestId?: string;
}

/**
 * Turns any failure into words for the user. Domain errors say what is wrong; anything else is
 * logged with a request id and the user is told nothing was changed (writes are transactional).
 */
export function describeError(err: unknown, logger: Logger, what: string): UserFacingError {
  if (err instanceof DomainError) return { text: err.message };
  const requestId = randomUUID().slice(0, 8);
  const slackError = slackApiError(err);
  logger.error({ err, requestId, slackError }, `${what} failed`);
  if (slackError) {
    return { text: `Slack refused the request (\`${slackError}\`). Nothing was changed; please try again.`, requestId };
  }
  return { text: "Something went wrong on our side. Nothing was changed; please try again in a moment.", requestId };
}

export function errorText(e: UserFacingError): string {
  return `:warning: ${e.text}${e.requestId ? `\n_Request ID \`${e.requestId}\`_` : ""}`;
}
