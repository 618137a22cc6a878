import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CustomRoute } from "@slack/bolt";

/**
 * Answers these exact-path routes before Bolt's router, which builds `new URL()` and compiles a
 * path-to-regexp pattern per route on every request (~5 µs of a ~50 µs verification). Anything
 * else, or a known path with another method, goes to `next` unchanged. The routes stay
 * registered as Bolt custom routes too (Socket Mode serves them from its own server).
 */
export function exactRoutes(
  routes: CustomRoute[],
  next: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const table = new Map<string, CustomRoute["handler"]>();
  for (const r of routes) for (const m of [r.method].flat()) table.set(`${m.toUpperCase()} ${r.path}`, r.handler);
  return (req, res) => {
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const handler = table.get(`${req.method} ${q === -1 ? url : url.slice(0, q)}`);
    // No `params`: these paths have none (the property is optional), and adding one per request costs.
    if (handler) handler(req, res);
    else next(req, res);
  };
}

/** Exact-path routes (no parameters) as one request listener; anything else is a 404. */
export function routeTable(routes: CustomRoute[]): (req: IncomingMessage, res: ServerResponse) => void {
  return exactRoutes(routes, (req, res) => {
    req.resume();
    res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ error: "not found" }));
  });
}

/** Starts a plain HTTP server (Socket Mode: the probes, /metrics and the gateway API). Resolves to it once listening. */
export async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void, port: number, host: string): Promise<Server> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

export const boundPort = (server: Server): number => (server.address() as AddressInfo).port;

/** Stops accepting connections and closes idle keep-alive ones; resolves when every connection is gone. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
