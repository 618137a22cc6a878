/** What a verification answers: the verdict codes, the answer shapes and the shared constants. */
import type { Environment } from "../credentials/key-format.js";

export const VERIFY_CODES = ["MALFORMED", "NOT_FOUND", "REVOKED", "ENDPOINT_NOT_ALLOWED"] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

export interface VerifyInput {
  sharedKey: string;
  secretKey: string;
  /** "METHOD /path", e.g. "GET /payments/123"; matched against the catalog's path templates. */
  endpoint?: string;
}

export type VerifyAnswer =
  | {
      valid: true;
      /** Public App ID (app_…). */
      appId: string;
      credentialId: string;
      environment: Environment;
      /** Catalog ids of the endpoints the app connected (live ones), sorted. */
      endpoints: readonly string[];
      /** The catalog endpoint the request's `endpoint` matched, when one was given. */
      endpoint?: string;
    }
  | { valid: false; code: VerifyCode };

export type VerifyOutcome =
  | { kind: "answer"; answer: VerifyAnswer }
  | { kind: "throttled"; retryAfterSeconds: number; reason: "secret" | "caller" }
  /**
   * No verdict rather than a possibly wrong one: the credential index is still loading
   * ("starting") or has not been confirmed current for a second ("stale": database out of reach).
   */
  | { kind: "unavailable"; retryAfterSeconds: number; reason: "starting" | "stale" };

const invalid = (code: VerifyCode): VerifyOutcome =>
  Object.freeze({ kind: "answer", answer: Object.freeze({ valid: false, code }) }) as VerifyOutcome;

export const NOT_FOUND = invalid("NOT_FOUND");
export const REVOKED = invalid("REVOKED");
export const ENDPOINT_NOT_ALLOWED = invalid("ENDPOINT_NOT_ALLOWED");
export const MALFORMED = invalid("MALFORMED");

export function throttled(ms: number, reason: "secret" | "caller"): VerifyOutcome {
  return { kind: "throttled", retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)), reason };
}

export function unavailable(retryAfterSeconds: number, reason: "starting" | "stale"): VerifyOutcome {
  return { kind: "unavailable", retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)), reason };
}
