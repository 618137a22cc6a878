/**
 * GitHub's secret scanning signing keys (GITHUB_SECRET_SCANNING_KEYS_URL, by default
 * https://api.github.com/meta/public_keys/secret_scanning): `{ public_keys: [{ key_identifier,
 * key (PEM), is_current }] }`. A request is genuine when `Github-Public-Key-Signature` (base64,
 * DER-encoded ECDSA P-256) verifies over the raw body with SHA-256, under the key named by
 * `Github-Public-Key-Identifier`.
 *
 * Keys are fetched on first use and cached. An unknown identifier triggers a refetch (GitHub
 * rotated its keys); an identifier that a refetch did not find blocks further refetches for
 * `missBackoffMs`, so random identifiers cannot make us hammer GitHub's rate-limited API.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { z } from "zod";

const keysDocument = z.object({
  public_keys: z.array(z.object({ key_identifier: z.string().min(1).max(200), key: z.string().max(10_000) })).max(100),
});

export type SignatureCheck = "valid" | "invalid" | "unavailable";

export interface GitHubKeyRingOptions {
  url: string;
  /** After a refetch that did not find the identifier asked for, no refetch for this long. */
  missBackoffMs?: number;
  /** Cached keys older than this are refetched before use. */
  maxAgeMs?: number;
  now?: () => number;
  onError?: (what: string, err: unknown) => void;
}

export class GitHubKeyRing {
  private keys = new Map<string, KeyObject>();
  private loadedAt = -Infinity;
  private blockedUntil = -Infinity;
  private inFlight: Promise<void> | null = null;
  /** The last fetch failed: an unknown identifier is then "unavailable" (503, GitHub retries), not "invalid". */
  private fetchFailed = false;
  private readonly now: () => number;

  constructor(private readonly opts: GitHubKeyRingOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Checks a signature over the raw body. Never throws. */
  async check(identifier: string | undefined, signature: string | undefined, raw: Buffer): Promise<SignatureCheck> {
    if (!identifier || !signature || identifier.length > 200 || signature.length > 500) return "invalid";
    let key = this.keys.get(identifier);
    const stale = this.now() - this.loadedAt > (this.opts.maxAgeMs ?? 86_400_000);
    if (!key || stale) {
      if (stale || this.now() >= this.blockedUntil) {
        try {
          await this.refresh();
        } catch (err) {
          this.opts.onError?.("fetching GitHub's secret scanning keys", err);
          this.fetchFailed = true;
          this.blockedUntil = this.now() + (this.opts.missBackoffMs ?? 60_000);
        }
      }
      key = this.keys.get(identifier);
      if (!key && this.fetchFailed) return "unavailable";
      if (!key) {
        this.blockedUntil = this.now() + (this.opts.missBackoffMs ?? 60_000);
        return "invalid";
      }
    }
    try {
      return verify("sha256", raw, { key, dsaEncoding: "der" }, Buffer.from(signature, "base64")) ? "valid" : "invalid";
    } catch {
      return "invalid";
    }
  }

  /** One fetch at a time; concurrent callers share it. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    const res = await fetch(this.opts.url, {
      headers: { accept: "application/json", "user-agent": "AppKeys secret scanning partner" },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const doc = keysDocument.parse(await res.json());
    const keys = new Map<string, KeyObject>();
    for (const k of doc.public_keys) {
      try {
        const key = createPublicKey(k.key);
        // Only what GitHub documents: ECDSA on NIST P-256.
        if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") keys.set(k.key_identifier, key);
      } catch {
        // An unreadable key is skipped; the others still work.
      }
    }
    this.keys = keys;
    this.loadedAt = this.now();
    this.fetchFailed = false;
  }
}
