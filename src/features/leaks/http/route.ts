/**
 * Leak report endpoints on the Slack receiver's HTTP server (docs/leaks.md):
 *   POST /v1/leaks/github  GitHub secret scanning partner endpoint (signed by GitHub)
 *   POST /v1/leaks         the company's own scanners (bearer token from LEAK_REPORT_TOKENS)
 * Both authenticate before reading a single field of the body, never echo a token (GitHub's
 * answer format aside, which GitHub itself defined and only GitHub can receive), and say nothing
 * about whether a key exists beyond GitHub's labels.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CustomRoute } from "@slack/bolt";
import { z } from "zod";
import type { Config } from "../../../config.js";
import type { Logger } from "../../../logger.js";
import { parseKey } from "../../credentials/key-format.js";
import { MAX_TOKENS, type FoundKey } from "../scan.js";
import type { LeakSource, TokenOutcome } from "../service.js";
import type { GitHubKeyRing } from "./github-keys.js";

const GITHUB_PATH = "/v1/leaks/github";
const REPORT_PATH = "/v1/leaks";
/** GitHub may batch many matches in one request; its requests are signed, so the cap is generous. */
const GITHUB_MAX_MATCHES = 1000;
const GITHUB_MAX_BYTES = 1024 * 1024;
const REPORT_MAX_BYTES = 64 * 1024;

/** Handles found keys (revocation, then notifications in the background). */
interface LeakReportHandler {
  report(found: FoundKey[], source: LeakSource): Promise<TokenOutcome[]>;
}

export interface LeakRouteDeps {
  config: Pick<Config, "LEAK_REPORT_TOKENS">;
  logger: Logger;
  keys: GitHubKeyRing;
  handler: LeakReportHandler;
}

const githubMatches = z
  .array(
    z.object({
      token: z.string().max(1000),
      type: z.string().max(200),
      url: z.string().max(4000).optional(),
      source: z.string().max(100).optional(),
    }),
  )
  .max(GITHUB_MAX_MATCHES);

const reportSchema = z.object({
  tokens: z.array(z.string().max(200)).min(1).max(MAX_TOKENS),
  source: z.string().trim().min(1).max(100),
  url: z.url().max(2000).optional(),
});

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function leakRoutes(d: LeakRouteDeps): CustomRoute[] {
  const tokens = d.config.LEAK_REPORT_TOKENS.map(digest);
  if (tokens.length === 0) d.logger.info(`leak reports from scanners disabled: set LEAK_REPORT_TOKENS to enable POST ${REPORT_PATH}`);

  const authorized = (header: string | undefined): boolean => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
    if (!m) return false;
    const presented = digest(m[1]!);
    let ok = false;
    for (const t of tokens) ok = timingSafeEqual(presented, t) || ok; // every token compared
    return ok;
  };

  const failed = (res: ServerResponse, err: unknown, what: string) => {
    d.logger.error({ err: err instanceof Error ? { message: err.message, name: err.name } : String(err) }, what);
    if (!res.headersSent) send(res, 503, { error: "temporarily unavailable; retry later" });
  };

  const github = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req, GITHUB_MAX_BYTES);
    if (raw === null) return send(res, 413, { error: `body larger than ${GITHUB_MAX_BYTES} bytes` }, true);
    const header = (name: string) => [req.headers[name]].flat()[0];
    const check = await d.keys.check(header("github-public-key-identifier"), header("github-public-key-signature"), raw);
    if (check === "unavailable") return send(res, 503, { error: "signing keys unavailable; retry later" });
    if (check !== "valid") {
      d.logger.warn({ path: GITHUB_PATH }, "leak report with a bad or missing GitHub signature refused");
      res.writeHead(401, { "content-length": "0", "cache-control": "no-store" });
      return void res.end();
    }
    let matches: z.infer<typeof githubMatches>;
    try {
      matches = githubMatches.parse(JSON.parse(raw.toString("utf8")));
    } catch {
      return send(res, 400, { error: `body must be a JSON array of at most ${GITHUB_MAX_MATCHES} matches` });
    }
    const labels = new Map<string, "true_positive" | "false_positive">();
    for (const m of matches) {
      if (labels.has(m.token)) continue;
      const parsed = parseKey(m.token);
      if (!parsed) {
        labels.set(m.token, "false_positive");
        continue;
      }
      const [outcome] = await d.handler.report([{ token: m.token, ...parsed }], { kind: "github", url: m.url, source: m.source });
      labels.set(m.token, outcome && outcome.kind !== "unknown" ? "true_positive" : "false_positive");
    }
    const answer = matches.map((m) => ({ token_raw: m.token, token_type: m.type, label: labels.get(m.token)! }));
    d.logger.info(
      { matches: matches.length, true_positives: answer.filter((a) => a.label === "true_positive").length },
      "GitHub leak report",
    );
    send(res, 200, answer);
  };

  const report = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (tokens.length === 0) {
      req.resume();
      return send(res, 503, { error: "leak reports are disabled: set LEAK_REPORT_TOKENS to enable them" });
    }
    if (!authorized(req.headers.authorization)) {
      req.resume();
      res.setHeader("www-authenticate", 'Bearer realm="appkeys"');
      return send(res, 401, { error: "a valid bearer token is required (one of LEAK_REPORT_TOKENS)" });
    }
    const raw = await readBody(req, REPORT_MAX_BYTES);
    if (raw === null) return send(res, 413, { error: `body larger than ${REPORT_MAX_BYTES} bytes` }, true);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      // Never the parser's message: it quotes the input, which holds tokens.
      return send(res, 400, { error: "body is not valid JSON" });
    }
    const parsed = reportSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
      return send(res, 400, { error: `expected { tokens: [1 to ${MAX_TOKENS} strings], source, url? }; ${issues.join("; ")}` });
    }
    const { tokens: reported, source, url } = parsed.data;
    const found = new Map<string, FoundKey>();
    for (const t of reported) {
      const key = parseKey(t);
      if (key) found.set(t, { token: t, ...key });
    }
    if (found.size) await d.handler.report([...found.values()], { kind: "scanner", source, url });
    d.logger.info({ tokens: reported.length }, "leak report from a scanner");
    // The same answer whatever the tokens were: a report cannot be used to test keys.
    send(res, 202, { received: reported.length });
  };

  return [
    {
      path: GITHUB_PATH,
      method: ["POST"],
      handler: (req, res) => void github(req, res).catch((e) => failed(res, e, "GitHub leak report failed")),
    },
    {
      path: REPORT_PATH,
      method: ["POST"],
      handler: (req, res) => void report(req, res).catch((e) => failed(res, e, "leak report failed")),
    },
  ];
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": String(Buffer.byteLength(text)),
    ...(close ? { connection: "close" } : {}),
  });
  res.end(text);
}

/** The raw body, or null when it is larger than `limit` bytes (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"]) > limit) {
      req.resume();
      return resolve(null);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(null);
      } else chunks.push(c);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!over) reject(err);
    });
  });
}
