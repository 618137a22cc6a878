/**
 * The gateway API's request and answer shapes, in zod: the handler parses requests with these
 * schemas, and openapi.ts generates the OpenAPI document's schemas from them (z.toJSONSchema),
 * so the document cannot say something the handler does not do.
 */
import { z } from "zod";
import { parseEndpointRef } from "../../catalog/match.js";
import { ENVIRONMENTS } from "../../credentials/key-format.js";
import { VERIFY_CODES, type VerifyInput } from "../verdicts.js";

/** Request limits, shared by the handler and the document. */
export const VERIFY_LIMITS = {
  bodyBytes: 8192,
  /** An oversized body is read and thrown away up to this size before the 413 (see body.ts). */
  discardBytes: 4 * 1024 * 1024,
  keyLength: 256,
  endpointLength: 2100,
} as const;

// The layout examples of docs/key-format.md: their checksums are deliberately not valid, so
// secret scanners and real gateways never mistake them for keys.
export const EXAMPLE_SHARED = "ak_prod_3kT9x2mQ8wLpZr4Vb7NcY1aQ2bH0Kx";
export const EXAMPLE_SECRET = "sk_prod_Vn4c8Qe1ZtR7yB2mK9pL0sD5gH3jW6xA1f7Ke3";

/** Named schemas: the document's components.schemas. */
export const schemas = z.registry<{ id: string }>();

export const verifyRequestSchema = z
  .object({
    sharedKey: z
      .string()
      .max(VERIFY_LIMITS.keyLength)
      .meta({ description: "Shared key (ak_…), e.g. from an X-Shared-Key header.", examples: [EXAMPLE_SHARED] }),
    secretKey: z
      .string()
      .max(VERIFY_LIMITS.keyLength)
      .meta({ description: "Secret key (sk_…). Never logged or stored.", examples: [EXAMPLE_SECRET] }),
    endpoint: z
      .string()
      .max(VERIFY_LIMITS.endpointLength)
      .refine((s) => parseEndpointRef(s) !== null, { message: 'must be "METHOD /path", e.g. "GET /payments/123"' })
      .meta({
        description:
          'Optional "METHOD /path" of the call being authorised; the query string is ignored and path parameters match the ' +
          "catalog's templates (GET /payments/123 matches GET /payments/{id}). Without it only the keys are checked.",
        examples: ["GET /payments/123", "POST /orders"],
      })
      .optional(),
  })
  .register(schemas, { id: "VerifyRequest" });

/** Why a request body was refused: zod's issues, as the 400 answer lists them. */
export interface VerifyRequestIssue {
  path: string;
  message: string;
}

/**
 * A parsed JSON body checked against verifyRequestSchema. The usual body (exactly `sharedKey`,
 * `secretKey` and maybe `endpoint`, all strings within their limits) is recognised by hand and
 * returned as is: verifyRequestSchema.safeParse() costs several times more than this check on the
 * hot path. Everything else goes through the schema itself, which stays the definition: the
 * fast path only accepts bodies the schema accepts, with the same data (http/schema.test.ts).
 */
export function parseVerifyRequest(json: unknown): { data: VerifyInput } | { issues: VerifyRequestIssue[] } {
  const data = commonVerifyRequest(json);
  if (data) return { data };
  const parsed = verifyRequestSchema.safeParse(json);
  if (parsed.success) return { data: parsed.data };
  return { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "body", message: i.message })) };
}

/** The body itself when it has exactly the schema's keys, each valid; else null (the schema decides). */
export function commonVerifyRequest(json: unknown): VerifyInput | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  const { sharedKey, secretKey, endpoint } = o;
  if (typeof sharedKey !== "string" || sharedKey.length > VERIFY_LIMITS.keyLength) return null;
  if (typeof secretKey !== "string" || secretKey.length > VERIFY_LIMITS.keyLength) return null;
  let expected = 2;
  if (endpoint !== undefined) {
    if (typeof endpoint !== "string" || endpoint.length > VERIFY_LIMITS.endpointLength || parseEndpointRef(endpoint) === null) return null;
    expected = 3;
  }
  // No other key (zod would strip it: leave that to zod). for-in sees own enumerable keys here:
  // JSON.parse gives a plain object, and Object.prototype has no enumerable property.
  let keys = 0;
  for (const key in o) {
    if (!Object.hasOwn(o, key)) return null;
    keys++;
  }
  return keys === expected ? (o as unknown as VerifyInput) : null;
}

const verifyValid = z
  .strictObject({
    valid: z.literal(true),
    appId: z
      .string()
      .regex(/^app_[0-9A-Za-z]{12}$/)
      .meta({ description: "Public App ID." }),
    credentialId: z.string().regex(/^cred_[0-9A-Za-z]{14}$/),
    environment: z.enum(ENVIRONMENTS as [string, ...string[]]),
    endpoints: z.array(z.string()).meta({ description: "Catalog ids of the endpoints the app connected." }),
    endpoint: z.string().meta({ description: "Catalog id the request's endpoint matched (only when one was given)." }).optional(),
  })
  .register(schemas, { id: "VerifyValid" });

const verifyInvalid = z.strictObject({ valid: z.literal(false), code: z.enum(VERIFY_CODES) }).register(schemas, { id: "VerifyInvalid" });

z.union([verifyValid, verifyInvalid]).register(schemas, { id: "VerifyResponse" });

z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).register(schemas, { id: "Error" });

z.object({
  error: z.string(),
  retryAfter: z.int().min(1).meta({ description: "Seconds to wait (also in the Retry-After header)." }),
}).register(schemas, { id: "Throttled" });

z.object({
  error: z.string(),
  retryAfter: z.int().min(1).meta({ description: "Seconds to wait before asking this replica again (also in Retry-After)." }).optional(),
}).register(schemas, { id: "Unavailable" });
