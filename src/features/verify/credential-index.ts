/**
 * Every credential that exists, in memory, in a compact form: what a verdict needs and nothing
 * else, in typed-array columns (about 58 bytes per credential, a million in ~58 MB, almost all
 * outside the V8 heap).
 *
 * Per credential (row i): a 64-bit fingerprint of the shared key (secret-digest.ts),
 * the first 16 bytes of the stored secret digest, the packed credential and app ids, the app's
 * endpoint set (an index into EndpointSets), flags (revoked, app archived, grace period) and the
 * environment. The shared key itself is not kept: a request is matched by fingerprint, and the
 * secret decides. Two credentials whose fingerprints collide (about 1 in 10^7 for a million
 * keys) are both marked AMBIGUOUS and the secret picks between them (candidates()).
 *
 * Lookup: rows are bucketed by the top bits of the fingerprint (a counting sort, seal()), about
 * two rows per bucket, so a lookup reads one bucket. Rows added later sit in a small overlay map
 * until the next seal(). Rows are never moved; a deleted credential is only marked DEAD (the app
 * never deletes credentials; the periodic full reload drops them).
 */
import { ENVIRONMENTS, type Environment } from "../credentials/key-format.js";
import { IdPacker } from "./packed-id.js";
import { DIGEST_BYTES, digestMatches, fingerprintInto, storeDigest, type HashKind } from "./secret-digest.js";
import type { CredentialRecord } from "./store.js";

const REVOKED = 1;
const ARCHIVED = 2;
const GRACE = 4;
const ODD_CREDENTIAL_ID = 8;
const ODD_APP_ID = 16;
const DEAD = 32;
const AMBIGUOUS = 64;

const CREDENTIAL_ID = new IdPacker("cred_", 14);
const APP_ID = new IdPacker("app_", 12);

export class CredentialIndex {
  private cap: number;
  private len = 0;
  private liveCount = 0;
  private fpHi: Uint32Array;
  private fpLo: Uint32Array;
  private digests: Uint8Array;
  private creds: Uint8Array;
  private apps: Uint8Array;
  private sets: Uint32Array;
  private flags: Uint8Array;
  /** Environment (bits 0–1) and HashKind (bits 2–3). */
  private meta: Uint8Array;
  private readonly graceEnds = new Map<number, number>();
  private readonly oddCredentialIds = new Map<number, string>();
  private readonly oddAppIds = new Map<number, string>();

  private shift = 31;
  private dir = new Uint32Array(3);
  private sorted = new Uint32Array(0);
  /** fingerprint high half → row, for rows added since the last seal(). */
  private readonly overlay = new Map<number, number>();

  private readonly fp = new Uint32Array(2);

  /** `fingerprintOf` is replaceable for tests (to make two keys collide). */
  constructor(
    capacity = 1024,
    private readonly fingerprintOf: (sharedKey: string, out: Uint32Array) => void = fingerprintInto,
  ) {
    this.cap = Math.max(16, capacity);
    this.fpHi = new Uint32Array(this.cap);
    this.fpLo = new Uint32Array(this.cap);
    this.digests = new Uint8Array(this.cap * DIGEST_BYTES);
    this.creds = new Uint8Array(this.cap * CREDENTIAL_ID.width);
    this.apps = new Uint8Array(this.cap * APP_ID.width);
    this.sets = new Uint32Array(this.cap);
    this.flags = new Uint8Array(this.cap);
    this.meta = new Uint8Array(this.cap);
  }

  /** Credentials indexed (deleted ones aside). */
  get size(): number {
    return this.liveCount;
  }

  /** The row for a shared key, or -1. When isAmbiguous(row), ask candidates() instead. */
  find(sharedKey: string): number {
    this.fingerprintOf(sharedKey, this.fp);
    return this.findFingerprint(this.fp[0]!, this.fp[1]!);
  }

  /** Every row whose fingerprint is the shared key's (more than one only for a collision). */
  candidates(sharedKey: string): number[] {
    this.fingerprintOf(sharedKey, this.fp);
    const hi = this.fp[0]!;
    const lo = this.fp[1]!;
    const out: number[] = [];
    const o = this.overlay.get(hi);
    if (o !== undefined && this.fpLo[o] === lo && !(this.flags[o]! & DEAD)) out.push(o);
    const b = hi >>> this.shift;
    for (let p = this.dir[b]!; p < this.dir[b + 1]!; p++) {
      const i = this.sorted[p]!;
      if (this.fpHi[i] === hi && this.fpLo[i] === lo && !(this.flags[i]! & DEAD) && i !== o) out.push(i);
    }
    return out;
  }

  private findFingerprint(hi: number, lo: number): number {
    if (this.overlay.size !== 0) {
      const i = this.overlay.get(hi);
      if (i !== undefined && this.fpLo[i] === lo && !(this.flags[i]! & DEAD)) return i;
    }
    const b = hi >>> this.shift;
    for (let p = this.dir[b]!, end = this.dir[b + 1]!; p < end; p++) {
      const i = this.sorted[p]!;
      if (this.fpHi[i] === hi && this.fpLo[i] === lo && !(this.flags[i]! & DEAD)) return i;
    }
    return -1;
  }

  /**
   * Bulk load: appends a credential known not to be indexed yet (a full load reads each shared
   * key once). Call seal() when done.
   */
  append(rec: CredentialRecord, endpointSet: number): void {
    this.fingerprintOf(rec.sharedKey, this.fp);
    const i = this.newRow(this.fp[0]!, this.fp[1]!);
    this.write(i, rec, endpointSet);
  }

  /** Adds or updates a credential (incremental changes). */
  upsert(rec: CredentialRecord, endpointSet: number): void {
    const rows = this.candidates(rec.sharedKey);
    let i = rows.find((r) => this.credentialId(r) === rec.credentialId) ?? -1;
    if (i < 0) {
      this.fingerprintOf(rec.sharedKey, this.fp);
      const hi = this.fp[0]!;
      i = this.newRow(hi, this.fp[1]!);
      for (const r of rows) this.flags[r]! |= AMBIGUOUS;
      if (rows.length > 0) this.flags[i]! |= AMBIGUOUS;
      const taken = this.overlay.get(hi);
      if (taken !== undefined && !(this.flags[taken]! & DEAD)) {
        this.seal(); // the overlay holds one row per high half: fold it in (rare)
        this.overlay.set(hi, i);
      } else {
        this.overlay.set(hi, i);
        if (this.overlay.size >= Math.max(4096, this.liveCount >> 5)) this.seal();
      }
    }
    this.write(i, rec, endpointSet);
  }

  /** Marks a credential gone (its row is reclaimed by the next full reload). */
  remove(sharedKey: string, credentialId: string): boolean {
    for (const i of this.candidates(sharedKey)) {
      if (this.credentialId(i) !== credentialId) continue;
      this.flags[i]! |= DEAD;
      this.liveCount--;
      this.graceEnds.delete(i);
      return true;
    }
    return false;
  }

  /** (Re)builds the fingerprint buckets over every live row and empties the overlay. */
  seal(): void {
    const bits = Math.min(24, Math.max(1, Math.ceil(Math.log2(Math.max(2, this.liveCount) / 2))));
    const shift = 32 - bits;
    const n = 2 ** bits;
    const dir = new Uint32Array(n + 1);
    for (let i = 0; i < this.len; i++) if (!(this.flags[i]! & DEAD)) dir[(this.fpHi[i]! >>> shift) + 1]!++;
    for (let b = 0; b < n; b++) dir[b + 1]! += dir[b]!;
    const fill = dir.slice(0, n);
    const sorted = new Uint32Array(dir[n]!);
    for (let i = 0; i < this.len; i++) if (!(this.flags[i]! & DEAD)) sorted[fill[this.fpHi[i]! >>> shift]!++] = i;
    this.shift = shift;
    this.dir = dir;
    this.sorted = sorted;
    this.overlay.clear();
  }

  // ------------------------------------------------------------------------------- a row

  isAmbiguous(i: number): boolean {
    return (this.flags[i]! & AMBIGUOUS) !== 0;
  }

  secretMatches(i: number, secret: string, pepper: string | undefined): boolean {
    return digestMatches((this.meta[i]! >> 2) as HashKind, secret, pepper, this.digests, i * DIGEST_BYTES);
  }

  /** Revoked, app archived, or past the end of its grace period at `now` (ms). */
  refusedAt(i: number, now: number): boolean {
    const f = this.flags[i]!;
    if (f & (REVOKED | ARCHIVED)) return true;
    return (f & GRACE) !== 0 && now >= this.graceEnds.get(i)!;
  }

  credentialId(i: number): string {
    return this.flags[i]! & ODD_CREDENTIAL_ID ? this.oddCredentialIds.get(i)! : CREDENTIAL_ID.unpack(this.creds, i * CREDENTIAL_ID.width);
  }

  appPublicId(i: number): string {
    return this.flags[i]! & ODD_APP_ID ? this.oddAppIds.get(i)! : APP_ID.unpack(this.apps, i * APP_ID.width);
  }

  environment(i: number): Environment {
    return ENVIRONMENTS[this.meta[i]! & 3]!;
  }

  endpointSet(i: number): number {
    return this.sets[i]!;
  }

  /** Bytes held: the columns, the buckets and an estimate for the (small) side maps. */
  bytes(): number {
    const arrays = [this.fpHi, this.fpLo, this.digests, this.creds, this.apps, this.sets, this.flags, this.meta, this.dir, this.sorted];
    const side = this.graceEnds.size + this.oddCredentialIds.size + this.oddAppIds.size + this.overlay.size;
    return arrays.reduce((n, a) => n + a.byteLength, 0) + side * 64;
  }

  private newRow(hi: number, lo: number): number {
    if (this.len === this.cap) this.grow(Math.ceil(this.cap * 1.25) + 1024);
    const i = this.len++;
    this.liveCount++;
    this.fpHi[i] = hi;
    this.fpLo[i] = lo;
    this.flags[i] = 0;
    return i;
  }

  private write(i: number, rec: CredentialRecord, endpointSet: number): void {
    const kind = storeDigest(rec.secretHash, this.digests, i * DIGEST_BYTES);
    this.meta[i] = Math.max(0, ENVIRONMENTS.indexOf(rec.environment)) | (kind << 2);
    let f = this.flags[i]! & AMBIGUOUS;
    if (rec.status !== "ACTIVE") f |= REVOKED;
    if (rec.appArchived) f |= ARCHIVED;
    if (rec.revokeAtMs !== null) {
      f |= GRACE;
      this.graceEnds.set(i, rec.revokeAtMs);
    } else {
      this.graceEnds.delete(i);
    }
    if (CREDENTIAL_ID.pack(rec.credentialId, this.creds, i * CREDENTIAL_ID.width)) this.oddCredentialIds.delete(i);
    else {
      f |= ODD_CREDENTIAL_ID;
      this.oddCredentialIds.set(i, rec.credentialId);
    }
    if (APP_ID.pack(rec.appPublicId, this.apps, i * APP_ID.width)) this.oddAppIds.delete(i);
    else {
      f |= ODD_APP_ID;
      this.oddAppIds.set(i, rec.appPublicId);
    }
    this.sets[i] = endpointSet;
    this.flags[i] = f;
  }

  private grow(cap: number): void {
    const copy = <T extends Uint8Array | Uint32Array>(a: T, per: number, make: (n: number) => T): T => {
      const b = make(cap * per);
      b.set(a.subarray(0, this.len * per));
      return b;
    };
    this.fpHi = copy(this.fpHi, 1, (n) => new Uint32Array(n));
    this.fpLo = copy(this.fpLo, 1, (n) => new Uint32Array(n));
    this.digests = copy(this.digests, DIGEST_BYTES, (n) => new Uint8Array(n));
    this.creds = copy(this.creds, CREDENTIAL_ID.width, (n) => new Uint8Array(n));
    this.apps = copy(this.apps, APP_ID.width, (n) => new Uint8Array(n));
    this.sets = copy(this.sets, 1, (n) => new Uint32Array(n));
    this.flags = copy(this.flags, 1, (n) => new Uint8Array(n));
    this.meta = copy(this.meta, 1, (n) => new Uint8Array(n));
    this.cap = cap;
  }
}
