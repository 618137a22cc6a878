import { createHash, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { CustomRoute } from "@slack/bolt";
import type { Metrics } from "./registry.js";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * GET /metrics in Prometheus text format. With `token` (METRICS_TOKEN), a scrape must send
 * `Authorization: Bearer <token>` (compared in constant time); without, the page is open: keep the
 * port private then (docs/operations.md).
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): CustomRoute {
  const expected = token ? digest(token) : undefined;
  return {
    path: "/metrics",
    method: ["GET"],
    handler: (req, res) => {
      if (expected) {
        const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
        if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
          res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' });
          res.end("a valid bearer token is required (Authorization: Bearer <METRICS_TOKEN>)\n");
          return;
        }
      }
      metrics.render().then(
        (text) => {
          res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(`metrics unavailable: ${(err as Error).message}\n`);
        },
      );
    },
  };
}

const STARTED = Symbol("timedRoute.started");
type TimedResponse = ServerResponse & { [STARTED]: number };

/** The same route, reporting each response's status and seconds from request to response sent. */
export function timedRoute(route: CustomRoute, done: (status: number, seconds: number) => void): CustomRoute {
  const handler = route.handler;
  // One listener for every response ('finish' is emitted once), the start time kept on the response.
  function finished(this: TimedResponse): void {
    done(this.statusCode, (performance.now() - this[STARTED]) / 1000);
  }
  return {
    ...route,
    handler: (req, res) => {
      (res as TimedResponse)[STARTED] = performance.now();
      res.on("finish", finished);
      return handler(req, res);
    },
  };
}
