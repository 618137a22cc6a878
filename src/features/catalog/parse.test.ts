import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  CatalogError,
  HTTP_METHODS,
  deriveId,
  jsonSyntaxError,
  loadCatalogFile,
  parseCatalog,
  pathTemplateProblem,
  sanitizeId,
  type CatalogEndpoint,
} from "./parse.js";
import { EndpointMatcher } from "./match.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/catalog/${name}`, import.meta.url));
const shippedCatalog = fileURLToPath(new URL("../../../catalog/endpoints.yaml", import.meta.url));

async function loadError(file: string): Promise<CatalogError> {
  try {
    await loadCatalogFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return err as CatalogError;
  }
  throw new Error(`expected ${file} to be rejected`);
}

function parseError(text: string, fileName = "endpoints.yaml"): CatalogError {
  try {
    parseCatalog(text, fileName);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return err as CatalogError;
  }
  throw new Error("expected the catalog to be rejected");
}

describe("list catalogs", () => {
  it("loads a plain YAML list, upper-casing methods and trimming summaries", async () => {
    const eps = await loadCatalogFile(fixture("valid-list.yaml"));
    expect(eps).toEqual<CatalogEndpoint[]>([
      { id: "pay.list", api: "Payments", method: "GET", path: "/payments", summary: "List payments" },
      { id: "pay.get", api: "Payments", method: "GET", path: "/payments/{paymentId}", summary: "" },
      { id: "pay.search", api: "Payments", method: "GET", path: "/payments/search", summary: "Search payments" },
    ]);
  });

  it("loads JSON with an endpoints wrapper", async () => {
    const eps = await loadCatalogFile(fixture("valid.json"));
    expect(eps.map((e) => [e.id, e.method, e.path, e.summary])).toEqual([
      ["cust.list", "GET", "/customers", "List customers"],
      ["cust.create", "POST", "/customers", ""],
      ["cust.get", "GET", "/customers/{customerId}", ""],
    ]);
  });

  it("accepts .yml and every allowed method", () => {
    const text = HTTP_METHODS.map((m, i) => `- { id: "e${i}", api: A, method: ${m.toLowerCase()}, path: /x }`).join("\n");
    expect(parseCatalog(text, "x.yml").map((e) => e.method)).toEqual([...HTTP_METHODS]);
  });

  it("accepts the limits exactly", () => {
    const id = "a".repeat(64);
    const api = "B".repeat(64);
    const summary = "s".repeat(200);
    const [ep] = parseCatalog(JSON.stringify([{ id, api, method: "GET", path: "/x", summary }]), "c.json");
    expect(ep).toEqual({ id, api, method: "GET", path: "/x", summary });
  });

  it("parses the shipped catalog/endpoints.yaml", async () => {
    const eps = await loadCatalogFile(shippedCatalog);
    const apis = new Map<string, number>();
    for (const e of eps) apis.set(e.api, (apis.get(e.api) ?? 0) + 1);
    expect(apis.size).toBeGreaterThanOrEqual(6);
    for (const [, n] of apis) {
      expect(n).toBeGreaterThanOrEqual(8);
      expect(n).toBeLessThanOrEqual(20);
    }
    expect(eps.some((e) => /\{[A-Za-z]+\}/.test(e.path))).toBe(true);
    expect(eps.every((e) => e.summary.length > 0)).toBe(true);

    // Every endpoint is reachable through the matcher with its own id.
    const matcher = new EndpointMatcher(eps);
    for (const e of eps) {
      const concrete = e.path.replace(/\{[^}]+\}/g, "x_1");
      expect(matcher.match(e.method, concrete), `${e.method} ${e.path}`).toBe(e.id);
    }
    expect(matcher.match("GET", "/payments/search")).toBe("payments.search");
    expect(matcher.match("GET", "/payments/pay_123")).toBe("payments.get");
  });
});

describe("OpenAPI 3 catalogs", () => {
  it("uses operationId, first tag and summary/description", async () => {
    const eps = await loadCatalogFile(fixture("openapi-tagged.yaml"));
    expect(eps).toEqual<CatalogEndpoint[]>([
      { id: "listInvoices", api: "Invoices", method: "GET", path: "/invoices", summary: "List invoices" },
      { id: "createInvoice", api: "Invoices", method: "POST", path: "/invoices", summary: "Create a draft invoice." },
      { id: "getInvoice", api: "Invoices", method: "GET", path: "/invoices/{invoiceId}", summary: "Retrieve an invoice" },
      // operationId sanitised to the id charset
      { id: "billing:invoices_delete_draft", api: "Invoices", method: "DELETE", path: "/invoices/{invoiceId}", summary: "" },
      { id: "listCreditNotes", api: "Credit notes", method: "GET", path: "/credit-notes", summary: "List credit notes" },
    ]);
  });

  it("derives ids and falls back to info.title without tags or operationIds", async () => {
    const eps = await loadCatalogFile(fixture("openapi-plain.json"));
    expect(eps).toEqual<CatalogEndpoint[]>([
      { id: "get_root", api: "Fleet Tracker", method: "GET", path: "/", summary: "" },
      { id: "get_vehicles", api: "Fleet Tracker", method: "GET", path: "/vehicles", summary: "List vehicles" },
      { id: "post_vehicles", api: "Fleet Tracker", method: "POST", path: "/vehicles", summary: "Register a vehicle." },
      // TRACE is not a catalog method and is skipped
      { id: "get_vehicles_vehicleId_positions", api: "Fleet Tracker", method: "GET", path: "/vehicles/{vehicleId}/positions", summary: "" },
    ]);
  });

  it("uses 'default' as api without tags or title, and accepts openapi: 3.1 as a number", () => {
    const eps = parseCatalog('openapi: 3.1\ninfo: {version: "1"}\npaths:\n  /ping:\n    head: {}\n', "o.yaml");
    expect(eps).toEqual([{ id: "head_ping", api: "default", method: "HEAD", path: "/ping", summary: "" }]);
  });

  it("truncates long summaries and tags, hashes long derived ids", () => {
    const longPath = `/${"segment/".repeat(12)}{id}`;
    const doc = {
      openapi: "3.0.0",
      info: { title: "T" },
      paths: {
        [longPath]: { get: { tags: ["x".repeat(100)], description: `${"word ".repeat(100)}\nsecond line` } },
      },
    };
    const [ep] = parseCatalog(JSON.stringify(doc), "o.json");
    expect(ep!.id.length).toBe(64);
    expect(ep!.id).toMatch(/^get_segment_segment.*_[0-9a-f]{8}$/);
    expect(ep!.api.length).toBeLessThanOrEqual(64);
    expect(ep!.summary.length).toBeLessThanOrEqual(200);
    expect(ep!.summary.endsWith("…")).toBe(true);
  });

  it("rejects Swagger 2 with a clear message", async () => {
    const err = await loadError(fixture("swagger2.yaml"));
    expect(err.message).toContain("swagger2.yaml:1:");
    expect(err.message).toMatch(/only OpenAPI 3/);
  });

  it("rejects other OpenAPI versions and documents without operations", () => {
    expect(parseError("openapi: 2.0\npaths: {}\n").message).toMatch(/endpoints\.yaml:1: unsupported OpenAPI version "2"/);
    expect(parseError("openapi: 3.0.0\ninfo: {title: T}\n").message).toMatch(/no paths/);
    expect(parseError("openapi: 3.0.0\ninfo: {title: T}\npaths: {}\n").message).toMatch(/no endpoints/);
  });

  it("reports a bad operation path at the line of the path key", () => {
    const err = parseError("openapi: 3.0.0\ninfo: {title: T}\npaths:\n  /ok:\n    get: {}\n  nope:\n    get: {}\n");
    expect(err.message).toBe('endpoints.yaml:6: endpoint "get_nope": path must start with "/"');
  });

  it("rejects duplicate operationIds", () => {
    const err = parseError("openapi: 3.0.0\npaths:\n  /a:\n    get: {operationId: x}\n  /b:\n    get: {operationId: x}\n");
    expect(err.message).toBe('endpoints.yaml:6: endpoint "x": duplicate id (first defined at line 4)');
  });
});

describe("errors", () => {
  it("names the file and line of a YAML syntax error", async () => {
    const err = await loadError(fixture("broken.yaml"));
    expect(err.message).toMatch(/broken\.yaml:(8|9): invalid YAML/);
    expect(err.line === 8 || err.line === 9).toBe(true);
    expect(err.file).toBe(fixture("broken.yaml"));
  });

  it("names the line of an item with a missing field", async () => {
    const err = await loadError(fixture("missing-field.yaml"));
    expect(err.message).toMatch(/missing-field\.yaml:7: endpoint "pay\.get": missing required field "method"$/);
    expect(err.line).toBe(7);
  });

  it("names the line of an invalid method", async () => {
    const err = await loadError(fixture("bad-method.yaml"));
    expect(err.message).toMatch(
      /bad-method\.yaml:8: endpoint "pay\.fetch": method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS/,
    );
  });

  it("rejects duplicate ids, pointing at both occurrences", async () => {
    const err = await loadError(fixture("duplicate-id.yaml"));
    expect(err.message).toMatch(/duplicate-id\.yaml:10: endpoint "pay\.list": duplicate id \(first defined at line 2\)/);
  });

  it("rejects duplicate routes, even with different param names or a trailing slash", async () => {
    const err = await loadError(fixture("duplicate-route.yaml"));
    expect(err.message).toMatch(
      /duplicate-route\.yaml:2: endpoint "pay\.read": duplicate route GET \/payments\/\{id\}\/ \(same as endpoint "pay\.get" at line 1\)/,
    );
  });

  it("rejects an empty file and an empty list", async () => {
    expect((await loadError(fixture("empty.yaml"))).message).toMatch(/empty\.yaml: catalog is empty/);
    expect((await loadError(fixture("empty-list.yaml"))).message).toMatch(/empty-list\.yaml:2: catalog has no endpoints/);
    expect(parseError("# only a comment\n").message).toMatch(/catalog is empty/);
    expect(parseError("[]", "c.json").message).toMatch(/catalog has no endpoints/);
  });

  it("reports every invalid item, each at its own line", () => {
    const err = parseError(
      [
        "- id: a", //                1
        "  api: A",
        "  method: GET",
        "  path: /a",
        "  sumary: typo", //         5
        "- just a string", //        6
        '- id: "bad id"', //         7
        '  api: ""', //              8
        "  method: 3", //            9
        "  path: a/b", //            10
        "- api: A", //               11
        "  method: GET",
        "  path: /c",
      ].join("\n"),
    );
    expect(err.message.split("\n")).toEqual([
      'endpoints.yaml:5: endpoint "a": unknown field "sumary" (allowed: id, api, method, path, summary)',
      "endpoints.yaml:6: endpoint #2: each endpoint must be a mapping with id, api, method, path and optional summary",
      'endpoints.yaml:7: endpoint "bad id": id may only contain letters, digits and . _ : -',
      'endpoints.yaml:8: endpoint "bad id": api must not be empty',
      'endpoints.yaml:9: endpoint "bad id": method must be a string',
      'endpoints.yaml:10: endpoint "bad id": path must start with "/"',
      'endpoints.yaml:11: endpoint #4: missing required field "id"',
    ]);
    expect(err.problems).toHaveLength(7);
    expect(err.line).toBe(5);
  });

  it("validates field lengths and path templates", () => {
    const one = (fields: Record<string, unknown>) =>
      parseError(JSON.stringify([{ id: "x", api: "A", method: "GET", path: "/x", ...fields }]), "c.json").message;
    expect(one({ id: "a".repeat(65) })).toMatch(/id must be at most 64 characters/);
    expect(one({ id: "" })).toMatch(/id must not be empty/);
    expect(one({ api: "a".repeat(65) })).toMatch(/api must be at most 64 characters/);
    expect(one({ summary: "s".repeat(201) })).toMatch(/summary must be at most 200 characters/);
    expect(one({ summary: 5 })).toMatch(/summary must be a string/);
    expect(one({ path: "/a/{id" })).toMatch(/unbalanced or empty braces/);
    expect(one({ path: "/a/{}" })).toMatch(/unbalanced or empty braces/);
    expect(one({ path: "/a/{x}/{x}" })).toMatch(/appears more than once/);
    expect(one({ path: "/a?b=1" })).toMatch(/query string/);
    expect(one({ path: "/a b" })).toMatch(/whitespace/);
    expect(one({ path: "/a//b" })).toMatch(/empty segments/);
    expect(one({ path: "/a/../b" })).toMatch(/"\." or "\.\." segments/);
  });

  it("reports invalid JSON with its line, including YAML-only syntax", () => {
    expect(parseError('{"endpoints": [\n  {"id": "a"},\n]}', "c.json").message).toBe("c.json:3: invalid JSON (column 1): trailing comma");
    expect(parseError("[\n{'id': 'a'}]", "c.json").message).toMatch(/^c\.json:2: invalid JSON/);
    expect(parseError("[1,\n2", "c.json").message).toMatch(/^c\.json:2: invalid JSON .*expected "," or "\]", found end of file/);
    expect(parseError('{"a": 1, "a": 2}', "c.json").message).toMatch(/^c\.json:1: invalid JSON .*unique/);
  });

  it("rejects other top-level shapes and file types", () => {
    expect(parseError("hello: world\n").message).toMatch(/endpoints\.yaml:1: expected a list of endpoints/);
    expect(parseError("endpoints: {a: 1}\n").message).toMatch(/endpoints\.yaml:1: "endpoints" must be a list/);
    expect(parseError('"just a string"').message).toMatch(/expected a list of endpoints/);
    expect(parseError("- a\n", "catalog.txt").message).toMatch(/^catalog\.txt: unsupported catalog file type/);
    expect(parseError("a: 1\n---\nb: 2\n").message).toMatch(/^endpoints\.yaml:2: invalid YAML/);
  });

  it("reports an unreadable file", async () => {
    const err = await loadError(fixture("does-not-exist.yaml"));
    expect(err.message).toMatch(/does-not-exist\.yaml: cannot read catalog file/);
    expect(err.line).toBeNull();
  });

  it("caps the number of problems spelled out", () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ id: `e${i}`, api: "A", method: "FETCH", path: "/x" }));
    const err = parseError(JSON.stringify(items, null, 1), "c.json");
    expect(err.problems).toHaveLength(30);
    const lines = err.message.split("\n");
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe("c.json: ... and 10 more problems");
  });

  it("survives alias bombs", () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
    ].join("\n");
    expect(parseError(bomb).message).toMatch(/endpoints\.yaml: cannot read document/);
  });
});

describe("helpers", () => {
  it("sanitizeId and deriveId", () => {
    expect(sanitizeId("listPayments")).toBe("listPayments");
    expect(sanitizeId("  list payments!  ")).toBe("list_payments");
    expect(sanitizeId("!!!")).toBeNull();
    const long = sanitizeId("x".repeat(100));
    expect(long).toHaveLength(64);
    expect(sanitizeId("x".repeat(100))).toBe(long); // deterministic
    expect(deriveId("GET", "/payments/{paymentId}")).toBe("get_payments_paymentId");
    expect(deriveId("delete", "/")).toBe("delete_root");
  });

  it("pathTemplateProblem", () => {
    expect(pathTemplateProblem("/")).toBeNull();
    expect(pathTemplateProblem("/a/")).toBeNull();
    expect(pathTemplateProblem("/files/{name}.{ext}")).toBeNull();
    expect(pathTemplateProblem("/a/{x}{y}")).toMatch(/adjacent/);
    expect(pathTemplateProblem("a")).toMatch(/start with/);
  });

  it("jsonSyntaxError agrees with JSON.parse", () => {
    const samples = [
      "{}",
      "[]",
      '"x"',
      "1",
      "-0.5e+3",
      "true",
      '{"a":[1,{"b":null}]}',
      '"\\u00e9\\n"',
      "01",
      "1.",
      ".5",
      "[1,]",
      '{"a":1,}',
      "{'a':1}",
      '{"a"}',
      '"\t"',
      '"\\x"',
      "nul",
      "[1 2]",
      '{"a":1} x',
      "",
    ];
    for (const s of samples) {
      let ok = true;
      try {
        JSON.parse(s);
      } catch {
        ok = false;
      }
      if (s === "") continue; // empty input is left to the "empty catalog" check
      expect(jsonSyntaxError(s) === null, s).toBe(ok);
    }
  });
});
