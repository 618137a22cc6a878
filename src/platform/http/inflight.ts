/**
 * Graceful shutdown and ack timing: what is in flight (HTTP requests, Slack events still running
 * their listener after the ack), a gate in front of the HTTP server that refuses new work once
 * draining, and the wrapper around Bolt's processEvent that times request → ack by kind.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "@slack/bolt";
import type { SlackKind } from "../metrics/registry.js";

export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count--;
    if (this.count <= 0) {
      this.count = 0;
      for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Resolves true once nothing is in flight, false if `timeoutMs` passed first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** The kind of a Slack request body, for the ack-latency label. */
export function slackKind(body: unknown): SlackKind {
  const b = body as { command?: unknown; type?: unknown } | undefined;
  if (typeof b?.command === "string") return "command";
  switch (b?.type) {
    case "block_actions":
    case "interactive_message":
      return "action";
    case "view_submission":
    case "view_closed":
      return "view";
    case "block_suggestion":
    case "dialog_suggestion":
      return "options";
    case "event_callback":
      return "event";
    case "shortcut":
    case "message_action":
      return "shortcut";
    default:
      return "other";
  }
}

/** When the HTTP request that carries a Slack event arrived (performance.now()). */
const arrival = new AsyncLocalStorage<number>();

/** Paths that are always answered, draining or not (probes and scrapes). */
const ALWAYS = new Set(["/healthz", "/readyz", "/metrics"]);

export interface GateOptions {
  inflight: InFlight;
  /** False once shutting down: new requests get 503 and the connection is closed. */
  accepting: () => boolean;
  /** False until Slack's auth.test passed: Slack requests get 503 (Slack retries events). */
  slackReady: () => boolean;
  slackPaths: string[];
}

/** Wraps an HTTP request listener with the shutdown gate and in-flight counting. */
export function gate(
  next: (req: IncomingMessage, res: ServerResponse) => void,
  o: GateOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const slack = new Set(o.slackPaths);
  const refuse = (res: ServerResponse, error: string) => {
    res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1", connection: "close" });
    res.end(JSON.stringify({ error }));
  };
  // One listener for every response ('close' is emitted once), not a closure per request.
  const leave = () => o.inflight.leave();
  return (req, res) => {
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (!o.accepting() && !ALWAYS.has(path)) {
      req.resume();
      return refuse(res, "shutting down; retry on another instance");
    }
    o.inflight.enter();
    res.on("close", leave);
    if (!slack.has(path)) return next(req, res);
    if (!o.slackReady()) {
      req.resume();
      return refuse(res, "not ready: waiting for Slack (auth.test)");
    }
    arrival.run(performance.now(), () => next(req, res));
  };
}

/**
 * Wraps Bolt's processEvent (what every receiver calls): each event counts as in flight until
 * its listeners are done (the ack and whatever they post after it), its ack is timed from the
 * request's arrival (HTTP) or from dispatch (Socket Mode), and once draining, Socket Mode events
 * are left unacknowledged (Slack redelivers them to another connection).
 */
export function instrumentSlackEvents(
  app: App,
  o: { inflight: InFlight; accepting: () => boolean; onAck: (kind: SlackKind, seconds: number) => void },
): void {
  const process = app.processEvent.bind(app);
  app.processEvent = async (event) => {
    const arrived = arrival.getStore();
    // An HTTP request that passed the gate before the drain began is in flight: it is finished.
    // A Socket Mode event arriving while draining is left for Slack to redeliver.
    if (arrived === undefined && !o.accepting()) return;
    const t0 = arrived ?? performance.now();
    const kind = slackKind(event.body);
    const ack = event.ack;
    let acked = false;
    event.ack = (response) => {
      if (!acked) {
        acked = true;
        o.onAck(kind, (performance.now() - t0) / 1000);
      }
      return ack(response);
    };
    o.inflight.enter();
    try {
      await process(event);
    } finally {
      o.inflight.leave();
    }
  };
}
