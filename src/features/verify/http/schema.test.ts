import { describe, expect, it } from "vitest";
import { commonVerifyRequest, parseVerifyRequest, VERIFY_LIMITS, verifyRequestSchema } from "./schema.js";

// commonVerifyRequest() is the hand-written fast path for the usual body; verifyRequestSchema is the
// definition. Whatever the fast path accepts, the schema must accept with the same data.

const SHARED = "ak_dev_3kT9x2mQ8wLpZr4Vb7NcY1aQ2bH0Kx";
const SECRET = "sk_dev_Vn4c8Qe1ZtR7yB2mK9pL0sD5gH3jW6xA1f7Ke3";

const strings: unknown[] = [
  SHARED,
  SECRET,
  "",
  " ",
  "x".repeat(VERIFY_LIMITS.keyLength),
  "x".repeat(VERIFY_LIMITS.keyLength + 1),
  "é".repeat(VERIFY_LIMITS.keyLength),
  "😀".repeat(VERIFY_LIMITS.keyLength / 2 + 1),
];
const others: unknown[] = [undefined, null, 0, 1.5, true, false, [], {}, [SHARED], { sharedKey: SHARED }];
const endpoints: unknown[] = [
  undefined,
  "GET /payments/123",
  "POST /orders",
  "get /payments?x=1#y",
  "  DELETE   /orders/1/items/1  ",
  "GET",
  "GET payments",
  "GET /",
  "G ET /x",
  "GET /a b",
  "GET /a\u0000",
  "\tGET\t/a",
  `GET /${"a".repeat(VERIFY_LIMITS.endpointLength - 5)}`,
  `GET /${"a".repeat(VERIFY_LIMITS.endpointLength)}`,
  "",
  null,
  42,
];

/** Every combination of these field values, with and without extra keys, plus non-objects. */
function* bodies(): Generator<unknown> {
  for (const sharedKey of [...strings, ...others])
    for (const secretKey of [...strings.slice(0, 6), ...others.slice(0, 4)])
      for (const endpoint of endpoints) {
        const body: Record<string, unknown> = { sharedKey, secretKey };
        if (endpoint !== undefined) body.endpoint = endpoint;
        yield JSON.parse(JSON.stringify(body));
        yield JSON.parse(JSON.stringify({ ...body, extra: 1 }));
      }
  yield* [null, 1, "x", true, [], [SHARED, SECRET], {}];
  yield JSON.parse(`{"sharedKey":"${SHARED}","secretKey":"${SECRET}","__proto__":{"endpoint":"GET /x"}}`);
  yield JSON.parse(`{"__proto__":null,"sharedKey":"${SHARED}","secretKey":"${SECRET}"}`);
  yield Object.assign(Object.create({ endpoint: "GET /inherited" }), { sharedKey: SHARED, secretKey: SECRET });
}

describe("the verify request fast path", () => {
  it("accepts only what the schema accepts, with the same data", () => {
    let accepted = 0;
    let total = 0;
    for (const body of bodies()) {
      total++;
      const fast = commonVerifyRequest(body);
      const zod = verifyRequestSchema.safeParse(body);
      if (fast !== null) {
        accepted++;
        expect(zod.success, JSON.stringify(body)).toBe(true);
        expect({ ...fast }, JSON.stringify(body)).toEqual(zod.data);
      }
      // What parseVerifyRequest answers is the schema's verdict either way.
      const parsed = parseVerifyRequest(body);
      expect("data" in parsed, JSON.stringify(body)).toBe(zod.success);
      if ("data" in parsed) expect({ ...parsed.data }).toEqual(zod.data);
    }
    expect(total).toBeGreaterThan(1000);
    // The common bodies do take the fast path.
    expect(accepted).toBeGreaterThan(100);
    expect(commonVerifyRequest({ sharedKey: SHARED, secretKey: SECRET })).not.toBeNull();
    expect(commonVerifyRequest({ sharedKey: SHARED, secretKey: SECRET, endpoint: "GET /payments/1" })).not.toBeNull();
  });

  it("reports zod's issues when the body is refused", () => {
    const parsed = parseVerifyRequest({ secretKey: SECRET, endpoint: "nope" });
    expect(parsed).toEqual({
      issues: [
        { path: "sharedKey", message: "Invalid input: expected string, received undefined" },
        { path: "endpoint", message: 'must be "METHOD /path", e.g. "GET /payments/123"' },
      ],
    });
    expect(parseVerifyRequest([])).toEqual({ issues: [{ path: "body", message: "Invalid input: expected object, received array" }] });
  });
});
