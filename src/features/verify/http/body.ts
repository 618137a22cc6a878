import type { IncomingMessage } from "node:http";

/**
 * Calls back with the body as text, or with null when it is larger than `limit` bytes.
 *
 * An oversized body is still read to its end and thrown away (up to `discardLimit` bytes) before
 * the callback: answering 413 and closing while the client is still sending makes the client
 * see a connection reset (EPIPE) instead of the 413. `drained` says whether the whole body was
 * read; when it was not (over discardLimit), the caller answers at once and closes.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  discardLimit: number,
  done: (err: Error | null, body: string | null, drained: boolean) => void,
): void {
  const declared = Number(req.headers["content-length"]);
  if (declared > discardLimit) {
    req.resume();
    done(null, null, false);
    return;
  }
  let first: Buffer | null = null;
  let more: Buffer[] | null = null;
  let size = 0;
  let over = declared > limit;
  let finished = false;
  const finish = (err: Error | null, body: string | null, drained: boolean) => {
    if (finished) return;
    finished = true;
    done(err, body, drained);
  };
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (over || size > limit) {
      over = true;
      first = more = null;
      if (size > discardLimit) finish(null, null, false);
      return;
    }
    if (first === null) first = chunk;
    else {
      more ??= [first];
      more.push(chunk);
    }
  });
  req.on("end", () => {
    if (over) return finish(null, null, true);
    finish(null, more ? Buffer.concat(more).toString("utf8") : first ? first.toString("utf8") : "", true);
  });
  req.on("error", (err) => finish(err, null, false));
}
