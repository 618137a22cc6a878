import type { Database } from "../../platform/db/database.js";

/**
 * Credentials changed (created, revoked, grace period set, endpoints changed): every replica's
 * verification cache drops the entry. PostgreSQL LISTEN/NOTIFY across replicas; PGlite in-process.
 * Payload: JSON { sharedKey, credentialId }. Shared keys are public identifiers, never secrets.
 */
export const CREDENTIAL_CHANNEL = "appkeys_credentials";

export interface CredentialChange {
  sharedKey: string;
  credentialId: string;
}

/** Call after the transaction that changed the credential has committed. */
export async function publishCredentialChange(db: Database, change: CredentialChange): Promise<void> {
  await db.notify(CREDENTIAL_CHANNEL, JSON.stringify(change));
}

/** After commit: tell every replica's verification cache. A lost notification is covered by the caches' TTL. */
export async function publishAfterCommit(db: Database, c: { id: string; sharedKey: string }): Promise<void> {
  try {
    await publishCredentialChange(db, { sharedKey: c.sharedKey, credentialId: c.id });
  } catch {
    // The change is committed; caches fall back to their short TTL.
  }
}
