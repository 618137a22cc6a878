/**
 * The OpenAPI 3.1 document of the gateway API (served at GET /v1/openapi.json). Hand-written;
 * test/e2e/verify.test.ts validates it against the OpenAPI schema and checks real answers
 * against its response schemas, so it cannot drift from src/features/verify/http/route.ts unnoticed.
 */
import { VERIFY_CODES } from "../service.js";
import { ENVIRONMENTS } from "../../credentials/key-format.js";

/** Request limits, shared by the handler's zod schema and this document. */
export const VERIFY_LIMITS = {
  bodyBytes: 8192,
  /** An oversized body is read and thrown away up to this size before the 413 (see body.ts). */
  discardBytes: 4 * 1024 * 1024,
  keyLength: 256,
  endpointLength: 2100,
} as const;

export const VERIFY_PATH = "/v1/keys/verify";
export const OPENAPI_PATH = "/v1/openapi.json";

// The layout examples of docs/key-format.md: their checksums are deliberately not valid, so
// secret scanners and real gateways never mistake them for keys.
const EXAMPLE_SHARED = "ak_prod_3kT9x2mQ8wLpZr4Vb7NcY1aQ2bH0Kx";
const EXAMPLE_SECRET = "sk_prod_Vn4c8Qe1ZtR7yB2mK9pL0sD5gH3jW6xA1f7Ke3";

const errorResponse = (description: string, example: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, example: { error: example } } },
});

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "AppKeys gateway API",
      version: "1.0.0",
      description:
        "Lets an API gateway (Kong, Envoy ext_authz, NGINX auth_request, an Express middleware) check the API keys " +
        "that AppKeys issues, on every call. A revocation is seen by every AppKeys replica within one second. " +
        "See docs/gateway.md for setup and examples.",
    },
    paths: {
      [VERIFY_PATH]: {
        post: {
          operationId: "verifyKey",
          summary: "Verify a shared key + secret key pair, optionally for one endpoint",
          description:
            "Always answers 200 with `valid: true` or `valid: false` and a `code` when the request itself was acceptable. " +
            "`MALFORMED`: a key is not well formed (format or checksum; answered without a database lookup). " +
            "`NOT_FOUND`: no credential has this shared key, or the secret key does not belong to it. " +
            "`REVOKED`: the key was revoked, or its grace period ended. " +
            "`ENDPOINT_NOT_ALLOWED`: the app did not connect the endpoint (or no catalog endpoint matches it). " +
            "Repeated wrong secrets for one shared key are throttled (429) while the right secret keeps working.",
          security: [{ bearerAuth: [] }],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/VerifyRequest" },
                example: { sharedKey: EXAMPLE_SHARED, secretKey: EXAMPLE_SECRET, endpoint: "GET /payments/pay_123" },
              },
            },
          },
          responses: {
            "200": {
              description: "The verdict.",
              content: {
                "application/json": {
                  schema: { $ref: "#/components/schemas/VerifyResponse" },
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
            "400": errorResponse(
              "The body is not JSON or a field is wrong (zod's message).",
              "sharedKey: Invalid input: expected string, received undefined",
            ),
            "401": {
              ...errorResponse("No bearer token, or not one of VERIFY_TOKENS.", "a valid bearer token is required"),
              headers: { "WWW-Authenticate": { schema: { type: "string" }, description: 'Bearer realm="appkeys"' } },
            },
            "413": errorResponse(
              `The body is larger than ${VERIFY_LIMITS.bodyBytes} bytes.`,
              `request body larger than ${VERIFY_LIMITS.bodyBytes} bytes`,
            ),
            "429": {
              description:
                "Too many wrong secrets for this shared key (or too many malformed keys from this caller). Retry after the given number of seconds. A request with the right secret is never throttled.",
              headers: { "Retry-After": { schema: { type: "integer", minimum: 1 }, description: "Seconds to wait." } },
              content: {
                "application/json": {
                  schema: { $ref: "#/components/schemas/Throttled" },
                  example: { error: "too many failed attempts", retryAfter: 12 },
                },
              },
            },
            "503": errorResponse(
              "Verification is disabled (VERIFY_TOKENS is not set) or the database cannot be reached. Gateways should deny the call.",
              "key verification is disabled: set VERIFY_TOKENS",
            ),
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
      schemas: {
        VerifyRequest: {
          type: "object",
          required: ["sharedKey", "secretKey"],
          properties: {
            sharedKey: {
              type: "string",
              maxLength: VERIFY_LIMITS.keyLength,
              description: "Shared key (ak_…), e.g. from an X-Shared-Key header.",
              examples: [EXAMPLE_SHARED],
            },
            secretKey: {
              type: "string",
              maxLength: VERIFY_LIMITS.keyLength,
              description: "Secret key (sk_…). Never logged or stored.",
              examples: [EXAMPLE_SECRET],
            },
            endpoint: {
              type: "string",
              maxLength: VERIFY_LIMITS.endpointLength,
              description:
                'Optional "METHOD /path" of the call being authorised; the query string is ignored and path parameters match the ' +
                "catalog's templates (GET /payments/123 matches GET /payments/{id}). Without it only the keys are checked.",
              examples: ["GET /payments/123", "POST /orders"],
            },
          },
        },
        VerifyResponse: { oneOf: [{ $ref: "#/components/schemas/VerifyValid" }, { $ref: "#/components/schemas/VerifyInvalid" }] },
        VerifyValid: {
          type: "object",
          required: ["valid", "appId", "credentialId", "environment", "endpoints"],
          additionalProperties: false,
          properties: {
            valid: { const: true },
            appId: { type: "string", pattern: "^app_[0-9A-Za-z]{12}$", description: "Public App ID." },
            credentialId: { type: "string", pattern: "^cred_[0-9A-Za-z]{14}$" },
            environment: { type: "string", enum: [...ENVIRONMENTS] },
            endpoints: { type: "array", items: { type: "string" }, description: "Catalog ids of the endpoints the app connected." },
            endpoint: { type: "string", description: "Catalog id the request's endpoint matched (only when one was given)." },
          },
        },
        VerifyInvalid: {
          type: "object",
          required: ["valid", "code"],
          additionalProperties: false,
          properties: {
            valid: { const: false },
            code: { type: "string", enum: [...VERIFY_CODES] },
          },
        },
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: { type: "string" },
            issues: {
              type: "array",
              items: {
                type: "object",
                required: ["path", "message"],
                properties: { path: { type: "string" }, message: { type: "string" } },
              },
            },
          },
        },
        Throttled: {
          type: "object",
          required: ["error", "retryAfter"],
          properties: { error: { type: "string" }, retryAfter: { type: "integer", minimum: 1 } },
        },
      },
    },
  };
}
