/**
 * GET /v1/audit?since=<cursor>&limit=<n>: the audit trail as JSON Lines for a SIEM, oldest first,
 * with a cursor to continue from (docs/audit-channel.md, "Export"). Bearer tokens from
 * AUDIT_EXPORT_TOKENS, compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CustomRoute } from "@slack/bolt";
import { z } from "zod";
import type { Config } from "../../../config.js";
import type { Logger } from "../../../logger.js";
import { EXPORT_MAX, type AuditRow, type HistoryService } from "../service.js";

export const AUDIT_EXPORT_PATH = "/v1/audit";
export const EXPORT_DEFAULT = 500;

const query = z.object({
  since: z
    .string()
    .regex(/^\d{1,19}$/, "must be a cursor from an earlier answer (digits), or 0 for the beginning")
    .default("0"),
  limit: z.coerce.number().int().min(1).max(EXPORT_MAX).default(EXPORT_DEFAULT),
});

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Index of the matching token or -1; every token is compared, in constant time. */
export function matchToken(header: string | undefined, tokens: Buffer[]): number {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  const presented = digest(m?.[1] ?? "");
  let found = -1;
  for (let i = 0; i < tokens.length; i++) if (timingSafeEqual(presented, tokens[i]!) && m && found === -1) found = i;
  return found;
}

/** One exported line: every stored field but the delivery bookkeeping. Never holds a secret. */
export function exportLine(e: AuditRow): string {
  return JSON.stringify({
    cursor: e.id.toString(),
    id: e.id.toString(),
    createdAt: e.createdAt.toISOString(),
    actorId: e.actorId,
    action: e.action,
    teamId: e.teamId,
    appPublicId: e.appPublicId,
    appTitle: e.appTitle,
    credentialId: e.credentialId,
    environment: e.environment,
    reason: e.reason,
    details: e.details ?? null,
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

export function auditExportRoute(d: { config: Pick<Config, "AUDIT_EXPORT_TOKENS">; logger: Logger; history: HistoryService }): CustomRoute {
  const tokens = d.config.AUDIT_EXPORT_TOKENS.map(digest);
  if (tokens.length) d.logger.info({ tokens: tokens.length }, `audit export enabled at GET ${AUDIT_EXPORT_PATH}`);
  return {
    path: AUDIT_EXPORT_PATH,
    method: ["GET"],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      if (tokens.length === 0) {
        return json(res, 503, {
          error: "the audit export is disabled: set AUDIT_EXPORT_TOKENS (comma-separated bearer tokens) to enable it",
        });
      }
      if (matchToken(req.headers.authorization, tokens) < 0) {
        return json(
          res,
          401,
          { error: "a valid bearer token is required (Authorization: Bearer <one of AUDIT_EXPORT_TOKENS>)" },
          {
            "www-authenticate": 'Bearer realm="appkeys-audit"',
          },
        );
      }
      const url = new URL(req.url ?? "/", "http://localhost");
      const parsed = query.safeParse({
        since: url.searchParams.get("since") ?? undefined,
        limit: url.searchParams.get("limit") ?? undefined,
      });
      if (!parsed.success) {
        return json(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
      }
      try {
        const page = await d.history.exportSince(BigInt(parsed.data.since), parsed.data.limit);
        res.writeHead(200, {
          "content-type": "application/x-ndjson; charset=utf-8",
          "cache-control": "no-store",
          "x-appkeys-cursor": page.cursor.toString(),
          "x-appkeys-more": String(page.more),
        });
        res.end(page.events.map((e) => `${exportLine(e)}\n`).join(""));
      } catch (err) {
        d.logger.error({ err: err instanceof Error ? { message: err.message } : String(err) }, "audit export failed");
        if (!res.headersSent) json(res, 503, { error: "the audit export is temporarily unavailable; retry with the same cursor" });
      }
    },
  };
}
