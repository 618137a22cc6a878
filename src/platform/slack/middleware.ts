import type { App } from "@slack/bolt";
import type { Services } from "../../services.js";

/**
 * Debug logging of every Slack request. Payloads can contain a rendered view (a key reveal, if
 * Slack ever sends one back), so this relies on the logger's secret scrubbing (src/logger.ts);
 * the secrets-in-logs test runs with it on.
 */
export function registerRequestLogging(app: App, s: Services): void {
  app.use(async ({ body, next }) => {
    if (s.logger.isLevelEnabled("debug")) {
      const b = body as { type?: string; command?: string; user?: { id?: string }; user_id?: string };
      s.logger.debug(
        { slack: { type: b.type ?? (b.command ? "slash_command" : "unknown"), user: b.user?.id ?? b.user_id }, body },
        "slack request",
      );
    }
    await next();
  });
}
