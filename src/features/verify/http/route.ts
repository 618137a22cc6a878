/**
 * Gateway API routes on the Slack receiver's HTTP server:
 *   POST /v1/keys/verify   (bearer token from VERIFY_TOKENS)  → src/features/verify/service.ts
 *   GET  /v1/openapi.json  (public)                           → src/features/verify/http/openapi.ts
 * Custom routes get raw node req/res: the body is read and size-limited here (body.ts), and a
 * cap on requests in progress (guard.ts) answers 503 at once past VERIFY_MAX_CONCURRENT.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { CustomRoute } from "@slack/bolt";
import type { Config } from "../../../config.js";
import type { VerifyOutcome, VerifyService } from "../service.js";
import type { VerifyAnswer } from "../verdicts.js";
import type { Logger } from "../../../logger.js";
import { readBody } from "./body.js";
import { ConcurrencyGuard } from "./guard.js";
import { OPENAPI_PATH, VERIFY_LIMITS, VERIFY_PATH, openApiDocument } from "./openapi.js";
import { parseVerifyRequest } from "./schema.js";

export interface VerifyRouteDeps {
  config: Pick<Config, "VERIFY_TOKENS" | "VERIFY_MAX_CONCURRENT">;
  logger: Logger;
  verify: Pick<VerifyService, "verifyNow" | "countRefusal">;
}

const DISABLED_BODY = JSON.stringify({
  error: "key verification is disabled: set VERIFY_TOKENS (comma-separated bearer tokens) to enable it",
});
const UNAUTHORIZED_BODY = JSON.stringify({ error: "a valid bearer token is required (Authorization: Bearer <one of VERIFY_TOKENS>)" });
const TOO_LARGE_BODY = JSON.stringify({ error: `request body larger than ${VERIFY_LIMITS.bodyBytes} bytes` });
const BAD_JSON_BODY = JSON.stringify({ error: "request body is not valid JSON" });
const UNAVAILABLE_BODY = JSON.stringify({ error: "verification is temporarily unavailable; deny the call and retry" });
const OVERLOADED_BODY = JSON.stringify({ error: "too many verifications in progress; deny the call and retry", retryAfter: 1 });
const UNAVAILABLE_ERROR = {
  starting: "verification is starting: the credential index is still loading; deny the call and retry",
  stale: "verification is temporarily unavailable (the database is out of reach); deny the call and retry",
};

/** An authenticated connection: the header it sent and who it is for the malformed-key throttle. */
interface Caller {
  header: string;
  id: string;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function verifyRoutes(d: VerifyRouteDeps): CustomRoute[] {
  const tokens = d.config.VERIFY_TOKENS.map(digest);
  if (tokens.length === 0) {
    d.logger.warn(
      `key verification API disabled: set VERIFY_TOKENS (comma-separated bearer tokens, 16+ characters each) to enable POST ${VERIFY_PATH}`,
    );
  } else {
    d.logger.info({ tokens: tokens.length }, `key verification API enabled at POST ${VERIFY_PATH}`);
  }
  const doc = JSON.stringify(openApiDocument());
  const guard = new ConcurrencyGuard(d.config.VERIFY_MAX_CONCURRENT);

  /**
   * Gateways keep connections open and send the same header on each: remember, per connection,
   * the header that authenticated and the caller it names for the malformed-key throttle (an
   * attacker's connection never gets an entry).
   */
  const authenticated = new WeakMap<Socket, Caller>();

  /** The caller, or null when the header matches no token. Every token is compared, in constant time. */
  const authenticate = (header: string | undefined, socket: Socket): Caller | null => {
    if (!header) return null;
    const known = authenticated.get(socket);
    if (known && known.header === header) return known;
    const index = compareTokens(header);
    if (index < 0) return null;
    const caller = { header, id: `${index}@${socket.remoteAddress ?? "?"}` };
    authenticated.set(socket, caller);
    return caller;
  };

  const compareTokens = (header: string): number => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) return -1;
    const presented = digest(m[1]!);
    let found = -1;
    for (let i = 0; i < tokens.length; i++) {
      if (timingSafeEqual(presented, tokens[i]!) && found === -1) found = i;
    }
    return found;
  };

  const respond = (res: ServerResponse, outcome: VerifyOutcome) => {
    if (outcome.kind === "answer") return sendAnswer(res, outcome.answer);
    if (outcome.kind === "unavailable") {
      const retry = String(outcome.retryAfterSeconds);
      send(res, 503, JSON.stringify({ error: UNAVAILABLE_ERROR[outcome.reason], retryAfter: outcome.retryAfterSeconds }), [
        "retry-after",
        retry,
      ]);
      return;
    }
    const error = outcome.reason === "secret" ? "too many failed attempts for this shared key" : "too many malformed keys from this caller";
    send(res, 429, JSON.stringify({ error, retryAfter: outcome.retryAfterSeconds }), ["retry-after", String(outcome.retryAfterSeconds)]);
  };

  const failed = (res: ServerResponse, err: unknown): void => {
    d.logger.error({ err: err instanceof Error ? { message: err.message, name: err.name } : String(err) }, "key verification failed");
    if (!res.headersSent) send(res, 503, UNAVAILABLE_BODY);
    else res.destroy();
  };

  /** The request body has been read (or refused): parse, verify, answer. */
  const verifyBody = (res: ServerResponse, caller: string, err: Error | null, raw: string | null) => {
    if (err) return failed(res, err);
    if (raw === null) {
      d.verify.countRefusal("tooLarge");
      return send(res, 413, TOO_LARGE_BODY, ["connection", "close"]);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      // Never echo the parser's message: V8 quotes the input, which may hold a secret.
      return send(res, 400, BAD_JSON_BODY);
    }
    const parsed = parseVerifyRequest(json);
    if (!("data" in parsed)) {
      const { issues } = parsed;
      return send(res, 400, JSON.stringify({ error: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues }));
    }
    try {
      const outcome = d.verify.verifyNow(parsed.data, caller);
      if (outcome instanceof Promise)
        outcome.then(
          (o) => respond(res, o),
          (e: unknown) => failed(res, e),
        );
      else respond(res, outcome);
    } catch (e) {
      failed(res, e);
    }
  };

  // Callbacks rather than async/await: a verdict is answered without a single promise.
  const handleVerify = (req: IncomingMessage, res: ServerResponse): void => {
    if (tokens.length === 0) {
      send(res, 503, DISABLED_BODY);
      return;
    }
    const caller = authenticate(req.headers.authorization, req.socket);
    if (caller === null) {
      req.resume();
      send(res, 401, UNAUTHORIZED_BODY, ["www-authenticate", 'Bearer realm="appkeys"']);
      return;
    }
    if (!guard.enter(res)) {
      d.verify.countRefusal("overloaded");
      send(res, 503, OVERLOADED_BODY, ["retry-after", "1"]);
      return;
    }
    const id = caller.id;
    readBody(req, VERIFY_LIMITS.bodyBytes, VERIFY_LIMITS.discardBytes, (err, raw) => verifyBody(res, id, err, raw));
  };

  return [
    {
      path: VERIFY_PATH,
      method: ["POST"],
      handler: handleVerify,
    },
    {
      path: OPENAPI_PATH,
      method: ["GET"],
      handler: (_req, res) => {
        res.writeHead(200, {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "public, max-age=300",
          "content-length": Buffer.byteLength(doc),
        });
        res.end(doc);
      },
    },
  ];
}

function send(res: ServerResponse, status: number, body: string, extra?: [name: string, value: string], length?: string): void {
  // A fresh literal each time: a spread-built header object costs ~5 µs a request in writeHead.
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": length ?? String(Buffer.byteLength(body)),
  };
  if (extra) headers[extra[0]] = extra[1];
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Verdicts are shared objects (the refusal codes are constants, valid answers are cached per
 * credential: answers.ts), so each one's JSON and length are worked out once, not per request.
 */
const answerBodies = new WeakMap<VerifyAnswer, { body: string; length: string }>();

function sendAnswer(res: ServerResponse, answer: VerifyAnswer): void {
  let cached = answerBodies.get(answer);
  if (cached === undefined) {
    const body = JSON.stringify(answer);
    cached = { body, length: String(Buffer.byteLength(body)) };
    answerBodies.set(answer, cached);
  }
  send(res, 200, cached.body, undefined, cached.length);
}
