import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import {
  type BufferedIncomingMessage,
  HTTPModuleFunctions,
  HTTPReceiverDeferredRequestError,
  type ReceiverDispatchErrorHandlerArgs,
  type ReceiverProcessEventErrorHandlerArgs,
  type ReceiverUnhandledRequestHandlerArgs,
  defaultBodyLimit,
  isRawBodyError,
  isValidSlackRequest,
} from "@slack/bolt";
import type { Logger } from "../../logger.js";
import { currentRequestId, newRequestId, runInRequest } from "../request-context.js";

/**
 * Slack gives up on a request after 3 s (and retries events). The edge acknowledges everything it
 * sees at once; this is the last resort should something still hold an answer back.
 */
export const UNANSWERED_AFTER_MS = 2_500;

function answer(res: ServerResponse, status: number): void {
  if (res.headersSent) return;
  res.writeHead(status);
  res.end();
}

/**
 * HTTPReceiver options so that no request waits for Bolt's 3-second timeout, and nothing is
 * answered with a 5xx (Slack retries those, multiplying the load).
 */
export function edgeReceiverOptions(logger: Logger) {
  return {
    unhandledRequestTimeoutMillis: UNANSWERED_AFTER_MS,
    unhandledRequestHandler: ({ response }: ReceiverUnhandledRequestHandlerArgs) => {
      logger.warn({ requestId: currentRequestId() }, `a Slack request was not acknowledged within ${UNANSWERED_AFTER_MS} ms: answered 200`);
      answer(response, 200);
    },
    processEventErrorHandler: async ({ error, response }: ReceiverProcessEventErrorHandlerArgs) => {
      logger.error(
        { requestId: currentRequestId(), err: { message: error.message, code: (error as { code?: string }).code } },
        "processing a Slack request failed",
      );
      answer(response, 200);
      return true;
    },
    dispatchErrorHandler: ({ error, request, response }: ReceiverDispatchErrorHandlerArgs) => {
      if (error instanceof HTTPReceiverDeferredRequestError) {
        logger.debug({ method: request.method, path: request.url?.slice(0, 200) }, "no route for this HTTP request");
        answer(response, 404);
        return;
      }
      logger.warn({ method: request.method, err: error.message }, "could not dispatch an HTTP request");
      answer(response, 400);
    },
  };
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

/** Parses the way Bolt will; true when the result is a payload object Bolt can read. */
function parsesToObject(req: BufferedIncomingMessage): boolean {
  try {
    const body: unknown = HTTPModuleFunctions.parseHTTPRequestBody(req);
    return typeof body === "object" && body !== null && !Array.isArray(body);
  } catch {
    return false;
  }
}

/**
 * Reads every request to the Slack endpoint before Bolt does, and gives it a request id. Bolt's
 * HTTPReceiver throws outside any handler on a signed body that parses to something other than an
 * object (`payload=null`: "Cannot read properties of null (reading 'ssl_check')"), which ends the
 * process; such bodies get a 400 here (a 401 when unsigned, as Bolt would), the rest go on to Bolt,
 * which finds the body already read and verifies its signature as usual.
 */
export function guardSlackBodies(
  inner: RequestListener,
  opts: { signingSecret: string; logger: Logger; endpoint?: string; bodyLimit?: number },
): RequestListener {
  const endpoint = opts.endpoint ?? "/slack/events";
  const limit = opts.bodyLimit ?? defaultBodyLimit;
  const { logger } = opts;

  async function screen(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    let buffered: BufferedIncomingMessage;
    try {
      buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, limit);
    } catch (err) {
      const tooLarge = isRawBodyError(err) && (err.type === "entity.too.large" || err.statusCode === 413);
      logger.warn({ requestId }, tooLarge ? "a Slack request body is too large: answered 413" : "could not read a Slack request body");
      answer(res, tooLarge ? 413 : 400);
      return;
    }
    if (parsesToObject(buffered)) {
      inner(req, res);
      return;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === "string" ? v : "";
    };
    const signed = isValidSlackRequest({
      signingSecret: opts.signingSecret,
      body: buffered.rawBody.toString(),
      headers: {
        "x-slack-signature": header("x-slack-signature"),
        "x-slack-request-timestamp": Number(header("x-slack-request-timestamp")),
      },
    });
    if (!signed) {
      logger.warn({ requestId }, "refused a Slack request: bad or missing signature");
      answer(res, 401);
      return;
    }
    logger.warn(
      { requestId, contentType: header("content-type").slice(0, 100) },
      "a signed Slack request body cannot be parsed: answered 400",
    );
    answer(res, 400);
  }

  return (req, res) => {
    if (req.method !== "POST" || pathOf(req.url) !== endpoint) {
      inner(req, res);
      return;
    }
    const requestId = newRequestId();
    runInRequest(requestId, () => {
      screen(req, res, requestId).catch((err: unknown) => {
        logger.error({ requestId, err: (err as Error)?.message }, "screening a Slack request failed");
        answer(res, 400);
      });
    });
  };
}
