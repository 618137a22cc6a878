/**
 * A local stand-in for Slack's Socket Mode: the Web API stand-in answers `apps.connections.open`
 * (app-level token) with a ws:// URL on localhost; each connection gets `hello`, then the
 * envelopes a test sends (`slash_commands`, `interactive`, `events_api`), and must ack each by
 * its envelope_id. `disconnect()` sends Slack's `disconnect` message, after which the client is
 * expected to open a new connection.
 *
 * `transport` plugs into SlackClient, so the same request builders (commands, view submissions,
 * events) run over the socket: the ack's payload is answered as the HTTP body would be.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { SlackStandIn } from "./slack-standin.js";

type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export class SocketModeStandIn {
  /** Every connection opened, in order (the last one is the live one). */
  readonly connections: WebSocket[] = [];
  /** Envelopes sent and the ack each got. */
  readonly envelopes: Array<{ id: string; type: EnvelopeType; ack?: Record<string, unknown> }> = [];
  /** Tickets handed out by apps.connections.open, with the token that asked. */
  readonly opened: string[] = [];
  private readonly pending = new Map<string, (payload: Record<string, unknown>) => void>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly port: number,
  ) {
    wss.on("connection", (ws) => {
      this.connections.push(ws);
      ws.on("message", (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> };
        if (!msg.envelope_id) return;
        const entry = this.envelopes.find((e) => e.id === msg.envelope_id);
        if (entry) entry.ack = msg.payload ?? {};
        this.pending.get(msg.envelope_id)?.(msg.payload ?? {});
        this.pending.delete(msg.envelope_id);
      });
      ws.send(
        JSON.stringify({
          type: "hello",
          num_connections: 1,
          debug_info: { host: "applink-standin", build_number: 1, approximate_connection_time: 3600 },
          connection_info: { app_id: "A0APPKEYS" },
        }),
      );
    });
  }

  /** Starts the WebSocket server and teaches `web` to answer apps.connections.open. */
  static async start(web: SlackStandIn): Promise<SocketModeStandIn> {
    const server = createServer((_req, res) => res.writeHead(426).end());
    const wss = new WebSocketServer({ server });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const s = new SocketModeStandIn(server, wss, (server.address() as AddressInfo).port);
    web.addMethod("apps.connections.open", () => {
      const ticket = randomUUID();
      s.opened.push(ticket);
      return { ok: true, url: `ws://127.0.0.1:${s.port}/link/?ticket=${ticket}` };
    });
    return s;
  }

  /** The live connection, once the client has one (and has had `hello`). */
  async waitForConnection(n = 1, timeoutMs = 15_000): Promise<WebSocket> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length < n || this.connections.at(-1)!.readyState !== WebSocket.OPEN) {
      if (Date.now() > deadline)
        throw new Error(`no Socket Mode connection #${n} within ${timeoutMs} ms (have ${this.connections.length})`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.connections.at(-1)!;
  }

  /** Sends an envelope on the live connection; resolves to the ack's payload. */
  async send(type: EnvelopeType, payload: unknown, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const ws = await this.waitForConnection(this.connections.length || 1);
    const id = randomUUID();
    this.envelopes.push({ id, type });
    const acked = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`envelope ${type} ${id} not acked within ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
    });
    ws.send(
      JSON.stringify({
        envelope_id: id,
        type,
        payload,
        accepts_response_payload: type !== "events_api",
        ...(type === "events_api" ? { retry_attempt: 0, retry_reason: "" } : {}),
      }),
    );
    return acked;
  }

  /** Slack's "this connection is going away": the client should reconnect. */
  disconnect(reason = "refresh_requested"): void {
    this.connections.at(-1)?.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-standin" } }));
  }

  /** A SlackClient transport: the HTTP body Slack would POST, sent as the matching envelope. */
  transport = async (rawBody: string, contentType: string): Promise<{ status: number; text: string }> => {
    let ack: Record<string, unknown>;
    if (contentType.startsWith("application/json")) {
      ack = await this.send("events_api", JSON.parse(rawBody));
    } else {
      const form = Object.fromEntries(new URLSearchParams(rawBody));
      ack = form.payload !== undefined ? await this.send("interactive", JSON.parse(form.payload)) : await this.send("slash_commands", form);
    }
    return { status: 200, text: Object.keys(ack).length ? JSON.stringify(ack) : "" };
  };

  async close(): Promise<void> {
    for (const ws of this.connections) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}
