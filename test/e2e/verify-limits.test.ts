import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startHarness, testClock, TEAM, type Harness } from "../support/harness.js";

// The gateway API's limits, over real sockets: oversized bodies always get their 413, and past
// VERIFY_MAX_CONCURRENT requests in progress the next one gets a fast 503.

const TOKEN = "gateway-token-0123456789abcdef";
const ALICE = "UALICE01";
const MB = 1024 * 1024;

/**
 * One POST over a fresh connection. `chunks` are written one by one (chunked unless `length` is
 * given), `paceMs` apart as on a real network; `hold` stops after the first chunk until it resolves.
 */
function raw(
  url: string,
  o: { body?: string; chunks?: string[]; length?: number; paceMs?: number; hold?: Promise<void> },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  // Settles once the answer is read AND the whole body was sent: a reset while still sending
  // (the client sees EPIPE, however early the answer came) fails it.
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    if (o.length !== undefined) headers["content-length"] = String(o.length);
    else if (o.body !== undefined) headers["content-length"] = String(Buffer.byteLength(o.body));
    let answer: { status: number; headers: Record<string, string | string[] | undefined>; body: string } | undefined;
    let sent = false;
    const settle = () => answer && sent && resolve(answer);
    const req = request(`${url}/v1/keys/verify`, { method: "POST", headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        answer = { status: res.statusCode ?? 0, headers: res.headers, body };
        settle();
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("finish", () => {
      sent = true;
      settle();
    });
    const send = async () => {
      for (const c of o.chunks ?? [o.body ?? ""]) {
        if (req.destroyed) throw new Error("the connection was closed while the body was being sent");
        if (!req.write(c)) await new Promise((r) => req.once("drain", r));
        if (o.hold) await o.hold;
        if (o.paceMs) await new Promise((r) => setTimeout(r, o.paceMs));
      }
      req.end();
    };
    send().catch(reject);
  });
}

describe("POST /v1/keys/verify limits", () => {
  const clock = testClock();
  let h: Harness;
  let key: { sharedKey: string; secretKey: string };

  beforeAll(async () => {
    h = await startHarness({ env: { VERIFY_TOKENS: TOKEN, VERIFY_MAX_CONCURRENT: "3" }, clock, appOptions: { noWorkers: true } });
    const created = await h.app.services.apps.createApp(h.app.services.actor(ALICE, TEAM), {
      title: "Limits",
      description: "",
      endpointIds: ["payments.get"],
      environment: "development",
    });
    key = { sharedKey: created.issued!.credential.sharedKey, secretKey: created.issued!.secretKey };
    await vi.waitFor(() => expect(h.app.services.verify.indexed(key.sharedKey)).toBe(true), { timeout: 1000, interval: 10 });
  });
  afterAll(async () => h?.close());

  // Sent in 16 pieces 1 ms apart: answering before the body is in and closing made the client
  // see a reset (EPIPE / ECONNRESET) instead of the 413.
  const pieces = (s: string) => Array.from({ length: 16 }, (_, i) => s.slice((i * s.length) / 16, ((i + 1) * s.length) / 16));

  it("answers 413 to 100 one-megabyte bodies in a row, sent with a length", async () => {
    const big = JSON.stringify({ ...key, pad: "x".repeat(MB) });
    for (let i = 0; i < 100; i++) {
      const r = await raw(h.url, { chunks: pieces(big), length: big.length, paceMs: 1 });
      expect(r.status, `request ${i}`).toBe(413);
      expect(JSON.parse(r.body)).toEqual({ error: "request body larger than 8192 bytes" });
      expect(r.headers.connection).toBe("close");
    }
    expect((await raw(h.url, { body: JSON.stringify(key) })).status).toBe(200);
  });

  it("answers 413 to 100 one-megabyte bodies in a row, sent chunked", async () => {
    const chunks = pieces("x".repeat(MB));
    for (let i = 0; i < 100; i++) {
      const r = await raw(h.url, { chunks, paceMs: 1 });
      expect(r.status, `request ${i}`).toBe(413);
    }
    // Through fetch as well (it streams a ReadableStream body chunked).
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${h.url}/v1/keys/verify`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: new ReadableStream({
          start(c) {
            for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
            c.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      await res.text();
    }
    expect(h.app.services.verify.stats.refused.tooLarge).toBeGreaterThanOrEqual(210);
  });

  it("refuses a request past VERIFY_MAX_CONCURRENT in progress with a fast 503, and counts it", async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const body = JSON.stringify(key);
    // Three requests that send half their body and wait: all three slots are taken.
    const slow = [0, 1, 2].map(() => raw(h.url, { chunks: [body.slice(0, 10), body.slice(10)], length: body.length, hold }));
    await vi.waitFor(async () => {
      const started = performance.now();
      const r = await raw(h.url, { body });
      expect(r.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(500);
      expect(r.headers["retry-after"]).toBe("1");
      expect(JSON.parse(r.body)).toEqual({ error: "too many verifications in progress; deny the call and retry", retryAfter: 1 });
    });
    const refused = h.app.services.verify.stats.refused.overloaded;
    expect(refused).toBeGreaterThanOrEqual(1);
    release();
    for (const r of await Promise.all(slow)) expect(JSON.parse(r.body)).toMatchObject({ valid: true });
    // The slots are free again.
    expect(JSON.parse((await raw(h.url, { body })).body)).toMatchObject({ valid: true });
    // The refused calls reach the log as one line per interval (flushed at stop), not one per call.
    const before = h.logs.filter((l) => l.includes("verify refused calls")).length;
    await h.app.services.verify.stop();
    const lines = h.logs.filter((l) => l.includes("verify refused calls"));
    expect(lines.length).toBe(before + 1);
    expect(lines.at(-1)).toMatch(/"overloaded":\d+/);
  });
});
