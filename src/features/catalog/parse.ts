/**
 * The endpoint catalog: which API endpoints apps can be granted.
 *
 * Accepted files (.yaml, .yml or .json):
 *  (a) a list of endpoints, or `{ endpoints: [...] }`, each `{ id, api, method, path, summary? }`;
 *  (b) an OpenAPI 3.x document: one endpoint per operation.
 *
 * Every problem is reported as a CatalogError whose message reads like a compiler error,
 * `endpoints.yaml:12: endpoint "pay.list": method must be one of GET, POST, ...`, so the caller
 * can print it and exit.
 */
import { extname } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { CatalogEndpoint } from "./endpoint.js";
import { readCatalogFile } from "./file.js";
import { lineCol, jsonSyntaxError } from "./json-syntax.js";
import { fromList } from "./list.js";
import { fromOpenApi } from "./openapi.js";
import { CatalogError, Ctx } from "./problems.js";
import { isPlainObject, validate, type Candidate } from "./validate.js";

// The catalog's public names, wherever they are defined.
export { HTTP_METHODS, pathTemplateProblem, type CatalogEndpoint } from "./endpoint.js";
export { jsonSyntaxError } from "./json-syntax.js";
export { deriveId, sanitizeId } from "./openapi.js";
export { CatalogError } from "./error.js";

export async function loadCatalogFile(file: string): Promise<CatalogEndpoint[]> {
  return parseCatalog(await readCatalogFile(file), file);
}

type Format = "yaml" | "json";

function formatOf(fileName: string): Format | null {
  const ext = extname(fileName).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".json") return "json";
  return null;
}

/**
 * Parse catalog text. `fileName` picks the format (by extension) and names the file in errors.
 * Throws CatalogError.
 */
export function parseCatalog(text: string, fileName: string): CatalogEndpoint[] {
  const format = formatOf(fileName);
  if (!format) {
    throw new CatalogError(fileName, [
      { line: null, message: `unsupported catalog file type "${extname(fileName)}": use .yaml, .yml or .json` },
    ]);
  }
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lc = new LineCounter();
  if (format === "json") {
    // The yaml parser accepts a superset of JSON (trailing commas, single quotes, comments...):
    // check strict JSON syntax first, with a position for the message.
    const bad = jsonSyntaxError(source);
    if (bad) {
      const { line, col } = lineCol(source, bad.pos);
      throw new CatalogError(fileName, [{ line, message: `invalid JSON (column ${col}): ${bad.message}` }]);
    }
  }
  const doc = parseDocument(source, {
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: true,
    ...(format === "json" ? { schema: "json" as const } : {}),
  });
  const parseError = doc.errors[0];
  if (parseError) {
    const what = format === "json" ? "invalid JSON" : "invalid YAML";
    const { line, col } = lc.linePos(parseError.pos[0]);
    throw new CatalogError(fileName, [{ line, message: `${what} (column ${col}): ${parseError.message}` }]);
  }

  const ctx = new Ctx(fileName, doc, lc);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    ctx.fail(null, `cannot read document: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (data === null || data === undefined) ctx.fail(null, "catalog is empty");

  let candidates: Candidate[];
  if (isPlainObject(data) && ("openapi" in data || "swagger" in data)) {
    candidates = fromOpenApi(data, ctx);
  } else {
    candidates = fromList(data, ctx);
  }
  const endpoints = validate(candidates, ctx);
  if (ctx.problems.length > 0) throw new CatalogError(fileName, ctx.problems);
  if (endpoints.length === 0) ctx.fail(null, "catalog has no endpoints");
  return endpoints;
}
