import pg from "pg";

import { LISTEN_APPLICATION_NAME } from "./channel.js";

export { assertChannelName } from "./channel.js";

/**
 * One dedicated connection per Database for LISTEN, opened on first use. If it drops, it
 * reconnects with exponential back-off (100 ms .. 10 s) and re-LISTENs every channel.
 * Notifications sent while it is down are lost: consumers should also poll (or catch up
 * after a reconnect) rather than rely on NOTIFY alone.
 */
export class PgListener {
  private readonly subs = new Map<string, Set<(payload: string) => void>>();
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 100;
  private reconnecting = false;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly log: (msg: string) => void,
    /** libpq `options` of the connection (the pool's session settings). */
    private readonly sessionOptions: string,
  ) {}

  async subscribe(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.subs.get(channel);
    if (!set) {
      set = new Set();
      this.subs.set(channel, set);
    }
    set.add(onPayload);
    try {
      // LISTEN is idempotent; sending it on every subscribe (queued behind any earlier one on
      // the same connection) means we resolve only once the channel is really listened to.
      if (this.client) {
        await this.client.query(`LISTEN ${channel}`);
      } else if (!this.reconnecting) {
        const client = await this.connect(); // first use, or joining a first connect in flight
        await client.query(`LISTEN ${channel}`);
      }
      // else: reconnecting after a drop; the reconnect LISTENs every subscribed channel.
    } catch (err) {
      this.remove(channel, onPayload);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (this.remove(channel, onPayload) && this.client) {
        await this.client.query(`UNLISTEN ${channel}`).catch(() => undefined);
      }
    };
  }

  /** Removes a callback; true when it was the channel's last one. */
  private remove(channel: string, onPayload: (payload: string) => void): boolean {
    const set = this.subs.get(channel);
    if (!set) return false;
    set.delete(onPayload);
    if (set.size > 0) return false;
    this.subs.delete(channel);
    return true;
  }

  private connect(): Promise<pg.Client> {
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        keepAlive: true,
        options: this.sessionOptions,
        application_name: LISTEN_APPLICATION_NAME,
      });
      client.on("notification", (msg) => {
        const set = this.subs.get(msg.channel);
        if (!set) return;
        for (const cb of [...set]) {
          try {
            cb(msg.payload ?? "");
          } catch (err) {
            this.log(`database: listener for ${msg.channel} threw: ${(err as Error).message}`);
          }
        }
      });
      let dropped = false;
      const onDrop = (err?: Error) => {
        if (dropped) return;
        dropped = true;
        if (this.client === client) this.client = null;
        if (this.closed) return;
        this.reconnecting = true;
        this.log(`database: LISTEN connection lost${err ? `: ${err.message}` : ""}; reconnecting`);
        this.scheduleReconnect();
      };
      client.on("error", onDrop);
      client.on("end", () => onDrop());
      try {
        await client.connect();
        for (const channel of this.subs.keys()) await client.query(`LISTEN ${channel}`);
      } catch (err) {
        dropped = true; // do not schedule from the handlers: the caller decides
        await client.end().catch(() => undefined);
        throw err;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        throw new Error("database is closed");
      }
      this.client = client;
      this.reconnecting = false;
      this.retryDelay = 100;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, 10_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed) return;
      this.connect().then(
        () => this.log("database: LISTEN connection re-established"),
        (err: Error) => {
          this.log(`database: LISTEN reconnect failed: ${err.message}; retrying in ${this.retryDelay} ms`);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    this.subs.clear();
    if (client) await client.end().catch(() => undefined);
  }
}
