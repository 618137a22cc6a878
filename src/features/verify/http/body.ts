import type { IncomingMessage } from "node:http";

type Done = (err: Error | null, body: string | null, drained: boolean) => void;

/** What one read keeps between its events: hung on the request, so no closure is made per request. */
interface Reading {
  limit: number;
  discardLimit: number;
  done: Done | null;
  first: Buffer | null;
  more: Buffer[] | null;
  size: number;
  over: boolean;
}

const READING = Symbol("readBody");
type ReadingRequest = IncomingMessage & { [READING]: Reading };

/**
 * Calls back with the body as text, or with null when it is larger than `limit` bytes.
 *
 * An oversized body is still read to its end and thrown away (up to `discardLimit` bytes) before
 * the callback: answering 413 and closing while the client is still sending makes the client
 * see a connection reset (EPIPE) instead of the 413. `drained` says whether the whole body was
 * read; when it was not (over discardLimit), the caller answers at once and closes.
 *
 * Called once per gateway request: the listeners are shared functions that find their state on
 * the request (a closure per event per request showed up in profiles).
 */
export function readBody(req: IncomingMessage, limit: number, discardLimit: number, done: Done): void {
  const declared = Number(req.headers["content-length"]);
  if (declared > discardLimit) {
    req.resume();
    done(null, null, false);
    return;
  }
  (req as ReadingRequest)[READING] = { limit, discardLimit, done, first: null, more: null, size: 0, over: declared > limit };
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("error", onError);
}

/** Calls back once (later events of the same request are ignored). */
function finish(r: Reading, err: Error | null, body: string | null, drained: boolean): void {
  const done = r.done;
  if (done === null) return;
  r.done = null;
  r.first = r.more = null;
  done(err, body, drained);
}

function onData(this: ReadingRequest, chunk: Buffer): void {
  const r = this[READING];
  r.size += chunk.length;
  if (r.over || r.size > r.limit) {
    r.over = true;
    r.first = r.more = null;
    if (r.size > r.discardLimit) finish(r, null, null, false);
    return;
  }
  if (r.first === null) r.first = chunk;
  else {
    r.more ??= [r.first];
    r.more.push(chunk);
  }
}

function onEnd(this: ReadingRequest): void {
  const r = this[READING];
  if (r.over) {
    finish(r, null, null, true);
    return;
  }
  const body = r.more ? Buffer.concat(r.more).toString("utf8") : r.first ? r.first.toString("utf8") : "";
  finish(r, null, body, true);
}

function onError(this: ReadingRequest, err: Error): void {
  finish(this[READING], err, null, false);
}
