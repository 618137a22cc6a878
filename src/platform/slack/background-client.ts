import { webApi } from "@slack/bolt";
import { boltLogger } from "./bolt-logger.js";
import type { Services } from "../../services.js";

/**
 * A Web API client for background delivery (audits, reminders): no automatic retries, because
 * retry state lives in the database rows and must survive restarts, and 429s reported instead of
 * slept on, because Bolt's shared client would pause its whole queue, listeners included.
 */
export function workerSlackClient(client: webApi.WebClient, s: Services): webApi.WebClient {
  return new webApi.WebClient(client.token, {
    slackApiUrl: client.slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    logger: boltLogger(s.logger),
    fetch: s.metrics.slackFetch,
  });
}
