/**
 * Public ids (cred_ + 14 base62, app_ + 12 base62) packed into a few bytes for the credential
 * index: every 5 base62 characters (62^5 < 2^32) become one big-endian number of 4 bytes or
 * fewer. cred_… takes 11 bytes instead of 19 characters, app_… 10 instead of 16. An id of
 * another shape does not pack (pack() returns false) and the index keeps it as a string.
 */
import { BASE62_ALPHABET } from "../credentials/key-format.js";

const DIGIT = Int8Array.from({ length: 128 }, (_, c) => BASE62_ALPHABET.indexOf(String.fromCharCode(c)));

export class IdPacker {
  /** Characters per chunk and bytes per chunk. */
  private readonly chunks: { chars: number; bytes: number }[] = [];
  readonly width: number;

  constructor(
    readonly prefix: string,
    readonly bodyLength: number,
  ) {
    for (let left = bodyLength; left > 0; left -= 5) {
      const chars = Math.min(5, left);
      this.chunks.push({ chars, bytes: Math.ceil((chars * Math.log2(62)) / 8) });
    }
    this.width = this.chunks.reduce((n, c) => n + c.bytes, 0);
  }

  /** Writes id into out[offset…offset+width); false (nothing written) when it has another shape. */
  pack(id: string, out: Uint8Array, offset: number): boolean {
    if (id.length !== this.prefix.length + this.bodyLength || !id.startsWith(this.prefix)) return false;
    let at = this.prefix.length;
    for (const { chars } of this.chunks) {
      for (let i = 0; i < chars; i++) if ((DIGIT[id.charCodeAt(at + i)] ?? -1) < 0) return false;
      at += chars;
    }
    at = this.prefix.length;
    let o = offset;
    for (const { chars, bytes } of this.chunks) {
      let v = 0;
      for (let i = 0; i < chars; i++) v = v * 62 + DIGIT[id.charCodeAt(at++)]!;
      for (let b = bytes - 1; b >= 0; b--) {
        out[o + b] = v & 0xff;
        v = Math.floor(v / 256);
      }
      o += bytes;
    }
    return true;
  }

  unpack(buf: Uint8Array, offset: number): string {
    let out = this.prefix;
    let o = offset;
    for (const { chars, bytes } of this.chunks) {
      let v = 0;
      for (let b = 0; b < bytes; b++) v = v * 256 + buf[o + b]!;
      o += bytes;
      let part = "";
      for (let i = 0; i < chars; i++) {
        part = BASE62_ALPHABET[v % 62]! + part;
        v = Math.floor(v / 62);
      }
      out += part;
    }
    return out;
  }
}
