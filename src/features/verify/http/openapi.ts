/**
 * The OpenAPI 3.1 document of the gateway API (served at GET /v1/openapi.json). The schemas are
 * generated from the handler's zod schemas (schema.ts) with z.toJSONSchema; this file adds the
 * paths, statuses and prose. test/e2e/verify.test.ts validates the document against the OpenAPI
 * schema and checks real answers against its response schemas.
 */
import { z } from "zod";
import { EXAMPLE_SECRET, EXAMPLE_SHARED, VERIFY_LIMITS, schemas } from "./schema.js";

export { VERIFY_LIMITS } from "./schema.js";

export const VERIFY_PATH = "/v1/keys/verify";
export const OPENAPI_PATH = "/v1/openapi.json";

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

const json = (schema: string, example?: unknown) => ({
  "application/json": { schema: ref(schema), ...(example === undefined ? {} : { example }) },
});

const retryAfter = (description: string) => ({ "Retry-After": { schema: { type: "integer", minimum: 1 }, description } });

/** components.schemas, from the zod registry (JSON Schema 2020-12, which OpenAPI 3.1 uses). */
function componentSchemas(): Record<string, unknown> {
  const generated = z.toJSONSchema(schemas, { uri: (id) => `#/components/schemas/${id}`, io: "input" }).schemas;
  const out: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(generated)) {
    const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
    out[id] = rest;
  }
  return out;
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "AppKeys gateway API",
      version: "1.0.0",
      description:
        "Lets an API gateway (Kong, Envoy ext_authz, NGINX auth_request, an Express middleware) check the API keys " +
        "that AppKeys issues, on every call. Every verdict is answered from memory; a revocation is seen by every " +
        "AppKeys replica within one second. See docs/gateway.md for setup and examples.",
    },
    paths: {
      [VERIFY_PATH]: {
        post: {
          operationId: "verifyKey",
          summary: "Verify a shared key + secret key pair, optionally for one endpoint",
          description:
            "Always answers 200 with `valid: true` or `valid: false` and a `code` when the request itself was acceptable. " +
            "`MALFORMED`: a key is not well formed (format or checksum). " +
            "`NOT_FOUND`: no credential has this shared key, or the secret key does not belong to it. " +
            "`REVOKED`: the key was revoked, or its grace period ended. " +
            "`ENDPOINT_NOT_ALLOWED`: the app did not connect the endpoint (or no catalog endpoint matches it). " +
            "Repeated wrong secrets for one shared key are throttled (429) while the right secret keeps working.",
          security: [{ bearerAuth: [] }],
          requestBody: {
            required: true,
            content: json("VerifyRequest", { sharedKey: EXAMPLE_SHARED, secretKey: EXAMPLE_SECRET, endpoint: "GET /payments/pay_123" }),
          },
          responses: {
            "200": {
              description: "The verdict.",
              content: {
                "application/json": {
                  schema: ref("VerifyResponse"),
                  examples: {
                    valid: {
                      value: {
                        valid: true,
                        appId: "app_7Gq2xk9PzT4a",
                        credentialId: "cred_3kT9x2mQ8wLpZr",
                        environment: "production",
                        endpoints: ["payments.get", "payments.list"],
                        endpoint: "payments.get",
                      },
                    },
                    revoked: { value: { valid: false, code: "REVOKED" } },
                  },
                },
              },
            },
            "400": {
              description: "The body is not JSON or a field is wrong (zod's message).",
              content: json("Error", { error: "sharedKey: Invalid input: expected string, received undefined" }),
            },
            "401": {
              description: "No bearer token, or not one of VERIFY_TOKENS.",
              headers: { "WWW-Authenticate": { schema: { type: "string" }, description: 'Bearer realm="appkeys"' } },
              content: json("Error", { error: "a valid bearer token is required" }),
            },
            "413": {
              description: `The body is larger than ${VERIFY_LIMITS.bodyBytes} bytes. The connection is closed after the answer.`,
              content: json("Error", { error: `request body larger than ${VERIFY_LIMITS.bodyBytes} bytes` }),
            },
            "429": {
              description:
                "Too many wrong secrets for this shared key (or too many malformed keys from this caller). Retry after the given number of seconds. A request with the right secret is never throttled.",
              headers: retryAfter("Seconds to wait."),
              content: json("Throttled", { error: "too many failed attempts for this shared key", retryAfter: 12 }),
            },
            "503": {
              description:
                "No verdict from this replica right now: it is starting (its credential index is still loading), it cannot " +
                "reach the database, too many verifications are in progress, or verification is disabled (VERIFY_TOKENS " +
                "unset). Deny the call (fail closed); retrying on another replica, or here after Retry-After, is safe.",
              headers: retryAfter("Seconds to wait before asking this replica again (absent when verification is disabled)."),
              content: json("Unavailable", { error: "verification is starting: the credential index is still loading", retryAfter: 2 }),
            },
          },
        },
      },
      [OPENAPI_PATH]: {
        get: {
          operationId: "getOpenApiDocument",
          summary: "This document",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1 document.", content: { "application/json": { schema: { type: "object" } } } } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "One of the comma-separated tokens in AppKeys' VERIFY_TOKENS." },
      },
      schemas: componentSchemas(),
    },
  };
}
