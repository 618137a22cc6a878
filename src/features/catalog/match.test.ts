import { describe, expect, it } from "vitest";
import { EndpointMatcher, parseEndpointRef } from "./match.js";

describe("parseEndpointRef", () => {
  it("parses method and path", () => {
    expect(parseEndpointRef("GET /payments/123")).toEqual({ method: "GET", path: "/payments/123" });
    expect(parseEndpointRef("get /payments")).toEqual({ method: "GET", path: "/payments" });
    expect(parseEndpointRef("  Post   /orders/  ")).toEqual({ method: "POST", path: "/orders/" });
    expect(parseEndpointRef("DELETE\t/x")).toEqual({ method: "DELETE", path: "/x" });
    expect(parseEndpointRef("GET /")).toEqual({ method: "GET", path: "/" });
  });

  it("strips the query string and fragment", () => {
    expect(parseEndpointRef("GET /payments?limit=10&after=abc")).toEqual({ method: "GET", path: "/payments" });
    expect(parseEndpointRef("GET /payments/1#frag")).toEqual({ method: "GET", path: "/payments/1" });
    expect(parseEndpointRef("GET /payments/1?a=b#frag")).toEqual({ method: "GET", path: "/payments/1" });
  });

  it("rejects malformed refs", () => {
    const bad = [
      "",
      "GET",
      "/payments",
      "GET payments",
      "GET https://api.example.com/payments",
      "GET /pay ments",
      "GET /payments extra",
      "GET /payments?q=a b",
      "GET /a\u0000b",
      "GET /a\u2028b",
      "GE7 /payments",
      "GET-X /payments",
      "GET ?x=1",
      `GET /${"a".repeat(2048)}`,
      `GET /${"a".repeat(100_000)}`,
    ];
    for (const s of bad) expect(parseEndpointRef(s), JSON.stringify(s.slice(0, 40))).toBeNull();
    expect(parseEndpointRef(null as unknown as string)).toBeNull();
  });

  it("accepts a path of exactly 2048 characters", () => {
    const path = `/${"a".repeat(2047)}`;
    expect(parseEndpointRef(`GET ${path}`)).toEqual({ method: "GET", path });
  });
});

describe("EndpointMatcher", () => {
  const matcher = new EndpointMatcher([
    { id: "root", method: "GET", path: "/" },
    { id: "payments.list", method: "GET", path: "/payments" },
    { id: "payments.create", method: "POST", path: "/payments" },
    { id: "payments.get", method: "GET", path: "/payments/{paymentId}" },
    { id: "payments.search", method: "GET", path: "/payments/search" },
    { id: "payments.refunds.get", method: "get", path: "/payments/{paymentId}/refunds/{refundId}" },
    { id: "payments.search.export", method: "GET", path: "/payments/search/export" },
    { id: "customers.addresses", method: "GET", path: "/customers/{customerId}/addresses/" },
    { id: "files.get", method: "GET", path: "/files/{name}.{ext}" },
    { id: "files.meta", method: "GET", path: "/files/{fileId}" },
    { id: "files.readme", method: "GET", path: "/files/README.md" },
    { id: "v.get", method: "GET", path: "/api/v{version}/status" },
  ]);

  it("matches literal paths and params", () => {
    expect(matcher.match("GET", "/")).toBe("root");
    expect(matcher.match("GET", "/payments")).toBe("payments.list");
    expect(matcher.match("POST", "/payments")).toBe("payments.create");
    expect(matcher.match("GET", "/payments/pay_123")).toBe("payments.get");
    expect(matcher.match("GET", "/payments/p1/refunds/r1")).toBe("payments.refunds.get");
  });

  it("is case-insensitive for the method, case-sensitive for the path", () => {
    expect(matcher.match("get", "/payments")).toBe("payments.list");
    expect(matcher.match("GET", "/Payments")).toBeNull();
  });

  it("prefers literal segments over params", () => {
    expect(matcher.match("GET", "/payments/search")).toBe("payments.search");
    expect(matcher.match("GET", "/payments/searches")).toBe("payments.get");
    expect(matcher.match("GET", "/payments/search/export")).toBe("payments.search.export");
    expect(matcher.match("GET", "/files/README.md")).toBe("files.readme");
  });

  it("backtracks from a literal branch to a param branch", () => {
    // "search" takes the literal branch first, which has no "refunds" child.
    expect(matcher.match("GET", "/payments/search/refunds/r1")).toBe("payments.refunds.get");
  });

  it("supports params inside a segment, below literals but above whole-segment params", () => {
    expect(matcher.match("GET", "/files/report.pdf")).toBe("files.get");
    expect(matcher.match("GET", "/files/report")).toBe("files.meta");
    expect(matcher.match("GET", "/files/.pdf")).toBe("files.meta"); // {name} must be non-empty
    expect(matcher.match("GET", "/api/v2/status")).toBe("v.get");
    expect(matcher.match("GET", "/api/v/status")).toBeNull();
  });

  it("tolerates a trailing slash on either side", () => {
    expect(matcher.match("GET", "/payments/")).toBe("payments.list");
    expect(matcher.match("GET", "/payments/p1/")).toBe("payments.get");
    expect(matcher.match("GET", "/customers/c1/addresses")).toBe("customers.addresses");
    expect(matcher.match("GET", "/customers/c1/addresses/")).toBe("customers.addresses");
    expect(matcher.match("GET", "/payments//")).toBeNull();
  });

  it("params match exactly one non-empty segment", () => {
    expect(matcher.match("GET", "/payments//refunds/r1")).toBeNull();
    expect(matcher.match("GET", "/payments/p1/refunds/")).toBeNull();
    expect(matcher.match("GET", "/payments/p1/extra")).toBeNull();
    expect(matcher.match("GET", "/payments/a/b/refunds/r1")).toBeNull();
  });

  it("ignores query strings and fragments", () => {
    expect(matcher.match("GET", "/payments/p1?expand=refunds")).toBe("payments.get");
    expect(matcher.match("GET", "/payments#x")).toBe("payments.list");
  });

  it("percent-decodes segments without creating new ones", () => {
    expect(matcher.match("GET", "/payments/a%2Fb")).toBe("payments.get");
    expect(matcher.match("GET", "/payments/p1%2Frefunds%2Fr1")).toBe("payments.get");
    expect(matcher.match("GET", "/payments/%73earch")).toBe("payments.search");
    expect(matcher.match("GET", "/payments/a%20b")).toBe("payments.get");
    expect(matcher.match("GET", "/payments/%E0%A4%A")).toBeNull(); // malformed
  });

  it("refuses dot segments and empty segments", () => {
    expect(matcher.match("GET", "/payments/..")).toBeNull();
    expect(matcher.match("GET", "/payments/.")).toBeNull();
    expect(matcher.match("GET", "/payments/%2e%2e")).toBeNull();
    expect(matcher.match("GET", "/payments/../payments")).toBeNull();
    expect(matcher.match("GET", "//payments")).toBeNull();
  });

  it("returns null for unknown methods and paths", () => {
    expect(matcher.match("DELETE", "/payments")).toBeNull();
    expect(matcher.match("PUT", "/payments/p1")).toBeNull();
    expect(matcher.match("GET", "/nothing")).toBeNull();
    expect(matcher.match("GET", "payments")).toBeNull();
    expect(matcher.match("GET", "")).toBeNull();
    expect(matcher.match("GET", `/payments/${"x".repeat(5000)}`)).toBeNull();
    expect(matcher.match("GET", `/${"a/".repeat(500)}`)).toBeNull();
  });

  it("treats templates that differ only in param names as one route (first wins)", () => {
    const m = new EndpointMatcher([
      { id: "first", method: "GET", path: "/a/{x}" },
      { id: "second", method: "GET", path: "/a/{y}/" },
    ]);
    expect(m.match("GET", "/a/1")).toBe("first");
  });

  it("an empty matcher matches nothing", () => {
    expect(new EndpointMatcher([]).match("GET", "/")).toBeNull();
  });

  it("matches correctly in a 1000-endpoint catalog", () => {
    const endpoints: { id: string; method: string; path: string }[] = [];
    for (let r = 0; r < 50; r++) {
      for (let k = 0; k < 5; k++) {
        const base = `/res${r}/{id}/sub${k}`;
        endpoints.push({ id: `r${r}.s${k}.list`, method: "GET", path: base });
        endpoints.push({ id: `r${r}.s${k}.create`, method: "POST", path: base });
        endpoints.push({ id: `r${r}.s${k}.get`, method: "GET", path: `${base}/{subId}` });
        endpoints.push({ id: `r${r}.s${k}.search`, method: "GET", path: `${base}/search` });
      }
    }
    expect(endpoints).toHaveLength(1000);
    const m = new EndpointMatcher(endpoints);

    for (let r = 0; r < 50; r++) {
      for (let k = 0; k < 5; k++) {
        expect(m.match("GET", `/res${r}/x${r}/sub${k}`)).toBe(`r${r}.s${k}.list`);
        expect(m.match("POST", `/res${r}/x/sub${k}/`)).toBe(`r${r}.s${k}.create`);
        expect(m.match("GET", `/res${r}/x/sub${k}/y`)).toBe(`r${r}.s${k}.get`);
        expect(m.match("GET", `/res${r}/x/sub${k}/search`)).toBe(`r${r}.s${k}.search`);
        expect(m.match("DELETE", `/res${r}/x/sub${k}`)).toBeNull();
        expect(m.match("GET", `/res${r}/x/sub${k + 5}`)).toBeNull();
      }
    }

    // Fast enough for every verify call: 100k lookups well under a second on any machine.
    const started = performance.now();
    let hits = 0;
    for (let i = 0; i < 100_000; i++) {
      if (m.match("GET", `/res${i % 50}/abc/sub${i % 5}/x${i}`) !== null) hits++;
    }
    expect(hits).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
