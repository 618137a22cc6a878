/**
 * Leak response, domain side: a checksum-valid key found somewhere public costs one indexed
 * lookup; a live secret key is revoked at once (src/features/credentials/compromised.ts, with its
 * audit event and the gateways' change notification); a shared key alone is only reported.
 * Idempotent by credential: of any number of reports of one key, one revokes it.
 * Slack rendering and delivery live in ./slack/, the HTTP endpoints in ./http/.
 */
import type { Database } from "../../platform/db/database.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { Clock } from "../../shared/clock.js";
import { isUniqueViolation } from "../../shared/errors.js";
import { cleanText, truncate } from "../../shared/text.js";
import { revokeCompromised } from "../credentials/compromised.js";
import { KEY_SCAN_PATTERN, hashSecret } from "../credentials/key-format.js";
import type { FoundKey } from "./scan.js";

type AppWithOwners = Prisma.AppGetPayload<{ include: { owners: true } }>;
type CredentialRow = Prisma.CredentialGetPayload<object>;

/** Where a key was found. Never holds the key itself. */
export type LeakSource =
  | { kind: "slack"; channel: string; messageTs: string; threadTs?: string; poster?: string }
  | { kind: "github"; url?: string; source?: string }
  | { kind: "scanner"; source: string; url?: string };

export type TokenOutcome =
  /** Checksum-valid but no credential has it. */
  | { kind: "unknown"; found: FoundKey }
  /** A live secret key: revoked by this report. */
  | { kind: "revoked"; found: FoundKey; credential: CredentialRow; app: AppWithOwners }
  /** A secret key revoked before (by an earlier report, an owner, the scheduler), or a shared key of a revoked credential. */
  | { kind: "already_revoked"; found: FoundKey; credential: CredentialRow; app: AppWithOwners }
  /** A live credential's shared key, without its secret: nothing to revoke, the owners are told. */
  | { kind: "shared"; found: FoundKey; credential: CredentialRow; app: AppWithOwners };

/** Who the audit trail names for leak revocations (not a Slack user: rendered as words). */
const LEAK_ACTOR = "AppKeys leak response";

const KEY_LIKE = new RegExp(KEY_SCAN_PATTERN.replaceAll("\\b", ""), "g");

/** Free text from outside (a scanner's name, a URL) with anything key-shaped cut out, so a report never stores or echoes a key. */
export function withoutKeys(s: string, max: number): string {
  return truncate(cleanText(s).replace(KEY_LIKE, "[redacted]"), max);
}

/** The revocation note (the credential's revokeNote; the audit reason is "compromised: <note>"). */
function leakNote(source: LeakSource): string {
  switch (source.kind) {
    case "slack":
      return "posted in Slack";
    case "github":
      return "found by GitHub secret scanning";
    case "scanner":
      return `reported by ${withoutKeys(source.source, 60) || "a scanner"}`;
  }
}

function auditDetails(source: LeakSource): Record<string, unknown> {
  switch (source.kind) {
    case "slack":
      return { detectedIn: "Slack", channel: source.channel, messageTs: source.messageTs, postedBy: source.poster };
    case "github":
      return { detectedIn: "GitHub secret scanning", url: source.url ? withoutKeys(source.url, 500) : undefined, source: source.source };
    case "scanner":
      return { detectedIn: withoutKeys(source.source, 60), url: source.url ? withoutKeys(source.url, 500) : undefined };
  }
}

export class LeakService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly pepper?: string,
  ) {}

  /** The credential a key belongs to: one indexed lookup (sharedKey is unique; secretHash is indexed). */
  async lookup(found: FoundKey): Promise<{ credential: CredentialRow; app: AppWithOwners } | null> {
    const include = { app: { include: { owners: true } } } as const;
    let row: Prisma.CredentialGetPayload<{ include: typeof include }> | null;
    if (found.kind === "shared") {
      row = await this.db.prisma.credential.findUnique({ where: { sharedKey: found.token }, include });
    } else {
      // Hashes written before a pepper was configured are plain SHA-256: look for both forms.
      const hashes = [...new Set([hashSecret(found.token, this.pepper), hashSecret(found.token)])];
      row = await this.db.prisma.credential.findFirst({ where: { secretHash: { in: hashes } }, include });
    }
    if (!row) return null;
    const { app, ...credential } = row;
    return { credential, app };
  }

  /** Looks every key up and revokes the live secret keys among them. Outcomes in input order. */
  async handle(found: readonly FoundKey[], source: LeakSource): Promise<TokenOutcome[]> {
    const outcomes: TokenOutcome[] = [];
    for (const f of found) {
      const hit = await this.lookup(f);
      if (!hit) {
        outcomes.push({ kind: "unknown", found: f });
        continue;
      }
      if (hit.credential.status !== "ACTIVE") {
        outcomes.push({ kind: "already_revoked", found: f, ...hit });
        continue;
      }
      if (f.kind === "shared") {
        outcomes.push({ kind: "shared", found: f, ...hit });
        continue;
      }
      const revoked = await revokeCompromised(this.db, this.clock, {
        credentialId: hit.credential.id,
        actorId: LEAK_ACTOR,
        note: leakNote(source),
        details: auditDetails(source),
      });
      outcomes.push(revoked ? { kind: "revoked", found: f, ...revoked } : { kind: "already_revoked", found: f, ...hit });
    }
    // A shared key next to its own secret is covered by the secret's outcome.
    const secretOf = new Set(outcomes.filter((o) => o.kind === "revoked" || o.kind === "already_revoked").map((o) => o.credential.id));
    return outcomes.filter((o) => o.kind !== "shared" || !secretOf.has(o.credential.id));
  }

  /**
   * Claims a one-time marker (Slack event ids, "owners told about this shared key"…) in
   * processed_event. True for the first caller only, on every replica.
   */
  async once(marker: string): Promise<boolean> {
    try {
      await this.db.prisma.processedEvent.create({ data: { eventId: marker.slice(0, 190) } });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }
}
