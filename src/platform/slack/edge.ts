import type { AckFn, AnyMiddlewareArgs, App, BlockAction, Context, ReceiverEvent, RespondFn } from "@slack/bolt";
import type { Services } from "../../services.js";
import { currentRequestId, newRequestId, runInRequest } from "../request-context.js";
import { describeError, errorText } from "./errors.js";
import { errorModal } from "./modals.js";
import { checkSlackPayload } from "./payload.js";
import { replyToAction } from "./reply.js";
import { slackCode } from "./slack-error.js";

/** What the edge tells middleware and listeners about the request (on `context.edge`). */
export interface EdgeContext {
  requestId: string;
  /** Whether the request has been acknowledged (answered to Slack) yet. */
  acked(): boolean;
}

type EdgeServices = Pick<Services, "logger" | "bus">;

/**
 * The one gate every Slack request passes, HTTP and Socket Mode alike, before Bolt reads it:
 * - the payload's shape is checked (payload.ts); a wrong one is acknowledged at once (200, empty)
 *   and logged once as a warning, and never reaches Bolt or a listener;
 * - `app_rate_limited` is acknowledged at once, logged as a warning with its minute, and counted
 *   ("slack.rate_limited" on the services bus, for the metrics);
 * - whatever nothing acknowledged once Bolt is done (other commands, shortcuts, the result
 *   modal's submission, view_closed nobody asked for…) is acknowledged then, with a debug line,
 *   instead of waiting for Bolt's 3-second timeout;
 * - the request runs with a request id (request-context.ts) that every log line about it can name.
 * It wraps App.processEvent because Bolt reads the payload there (user.id, view.…, channel.id)
 * before any middleware runs: a check in middleware would come after the crash.
 */
export function guardSlackEdge(app: App, s: EdgeServices): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event: ReceiverEvent) => {
    const requestId = currentRequestId() ?? newRequestId();
    return runInRequest(requestId, () => gate(processEvent, event, requestId, s));
  };
}

async function gate(processEvent: App["processEvent"], event: ReceiverEvent, requestId: string, s: EdgeServices): Promise<void> {
  let acked = false;
  // Idempotent: the edge may answer after a listener did. A listener acknowledging after the
  // receiver's last-resort answer (receiver.ts) goes on with its work rather than failing.
  const ack: ReceiverEvent["ack"] = async (response) => {
    if (acked) return;
    acked = true;
    try {
      await event.ack(response);
    } catch (err) {
      if ((err as { code?: unknown })?.code !== "ERR_HTTP_HEADERS_SENT") throw err;
      s.logger.warn({ requestId }, "acknowledged too late: Slack already had its answer");
    }
  };
  const check = checkSlackPayload(event.body);
  try {
    switch (check.kind) {
      case "rate_limited":
        s.logger.warn(
          { requestId, teamId: check.teamId, minute: check.minute?.toISOString() },
          "Slack rate-limited the app's events for a minute (app_rate_limited): events of that minute are dropped",
        );
        s.bus.emit("slack.rate_limited", { teamId: check.teamId, minute: check.minute });
        return;
      case "malformed":
        s.logger.warn(
          { requestId, slack: { type: check.type }, problems: check.problems },
          "malformed Slack payload: acknowledged, ignored",
        );
        return;
      case "unhandled":
        s.logger.debug({ requestId, slack: { type: check.type } }, "nothing handles this Slack request: acknowledged");
        return;
    }
    const edge: EdgeContext = { requestId, acked: () => acked };
    await processEvent({ ...event, ack, customProperties: { ...event.customProperties, edge } });
    if (!acked) s.logger.debug({ requestId, slack: { type: check.type } }, "nothing handles this Slack request: acknowledged");
  } catch (err) {
    // Bolt itself failed (listeners' failures are answered by registerErrorReplies): never a 5xx.
    s.logger.error(
      { requestId, err: { message: (err as Error)?.message, code: slackCode(err) } },
      "Bolt could not process a Slack request",
    );
  } finally {
    if (!acked) await ack().catch((err: unknown) => s.logger.warn({ requestId, err: (err as Error)?.message }, "could not acknowledge"));
  }
}

export function edgeOf(context: Context): EdgeContext | undefined {
  return context.edge as EdgeContext | undefined;
}

type FailureArgs = AnyMiddlewareArgs & { context: Context; client: App["client"]; ack?: AckFn<unknown>; respond?: RespondFn };

/**
 * Global middleware, registered first: a listener that throws is logged once at error level with
 * the request id, the user is told that nothing was changed (in the ack when it has not been
 * sent, else where the request came from), and Slack gets its 200 — a 5xx makes Slack retry.
 */
export function registerErrorReplies(app: App, s: Services): void {
  app.use(async (args) => {
    try {
      await args.next();
    } catch (err) {
      await answerFailure(s, args as unknown as FailureArgs, err);
    }
  });
}

async function answerFailure(s: Services, args: FailureArgs, err: unknown): Promise<void> {
  const body = args.body as Record<string, unknown> & { view?: { id: string }; user?: { id: string }; user_id?: string };
  const kind = body.command !== undefined ? "slash_command" : body.event !== undefined ? "event" : String(body.type);
  const e = describeError(err, s.logger, `handling a Slack ${kind}`);
  const text = errorText(e);
  const edge = edgeOf(args.context);
  const pending = args.ack !== undefined && !(edge?.acked() ?? false);
  const userId = body.user?.id ?? body.user_id;
  try {
    switch (kind) {
      case "slash_command":
        if (pending) await args.ack!({ response_type: "ephemeral", text });
        else await args.respond?.({ response_type: "ephemeral", replace_original: false, text });
        return;
      case "view_submission":
        if (pending) await args.ack!({ response_action: "update", view: errorModal("AppKeys", e.text, e.requestId) });
        else if (userId) await args.client.chat.postMessage({ channel: userId, text });
        return;
      case "block_actions": {
        if (pending) await args.ack!();
        const respond = args.respond ?? (async () => Promise.reject(new Error("no response_url")));
        await replyToAction(s, body as unknown as BlockAction, respond, args.client, text);
        return;
      }
      case "block_suggestion":
        if (pending) await args.ack!({ options: [] });
        return;
      default:
        // Events (acknowledged by Bolt already), view_closed, shortcuts: nobody to answer.
        if (pending) await args.ack!();
    }
  } catch (replyErr) {
    s.logger.warn({ requestId: e.requestId, slackError: slackCode(replyErr) }, "could not tell the user about a failure");
  }
}
