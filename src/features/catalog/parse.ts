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
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from "yaml";
import { z } from "zod";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface CatalogEndpoint {
  id: string;
  api: string;
  /** Upper-case HTTP method. */
  method: string;
  /** Path template starting with '/', e.g. `/payments/{paymentId}`. */
  path: string;
  summary: string;
}

export const MAX_ID_LENGTH = 64;
export const MAX_API_LENGTH = 64;
export const MAX_SUMMARY_LENGTH = 200;
export const MAX_PATH_LENGTH = 2048;
/** Catalog files larger than this are refused before being read. */
export const MAX_CATALOG_BYTES = 20 * 1024 * 1024;
/** At most this many problems are spelled out in a CatalogError message. */
const MAX_REPORTED_PROBLEMS = 20;

const ID_CHARS = /^[A-Za-z0-9._:-]*$/;

export interface CatalogProblem {
  /** 1-based line in the file, when known. */
  line: number | null;
  message: string;
}

export class CatalogError extends Error {
  override readonly name = "CatalogError";
  readonly file: string;
  readonly problems: readonly CatalogProblem[];

  constructor(file: string, problems: CatalogProblem[]) {
    super(formatProblems(file, problems));
    this.file = file;
    this.problems = problems;
  }

  /** Line of the first problem (1-based), if known. */
  get line(): number | null {
    return this.problems[0]?.line ?? null;
  }
}

function formatProblems(file: string, problems: CatalogProblem[]): string {
  const shown = problems
    .slice(0, MAX_REPORTED_PROBLEMS)
    .map((p) => (p.line === null ? `${file}: ${p.message}` : `${file}:${p.line}: ${p.message}`));
  if (problems.length > MAX_REPORTED_PROBLEMS) shown.push(`${file}: ... and ${problems.length - MAX_REPORTED_PROBLEMS} more problems`);
  return shown.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

export async function loadCatalogFile(file: string): Promise<CatalogEndpoint[]> {
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new CatalogError(file, [{ line: null, message: "not a regular file" }]);
    if (st.size > MAX_CATALOG_BYTES) {
      throw new CatalogError(file, [{ line: null, message: `file is too large (${st.size} bytes; the limit is ${MAX_CATALOG_BYTES})` }]);
    }
    text = await readFile(file, "utf8");
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new CatalogError(file, [{ line: null, message: `cannot read catalog file: ${reason}` }]);
  }
  return parseCatalog(text, file);
}

type Format = "yaml" | "json";

function formatOf(fileName: string): Format | null {
  const ext = extname(fileName).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".json") return "json";
  return null;
}

type PathKey = string | number;

/** Parsing context: the YAML document plus line lookups for error messages. */
class Ctx {
  readonly problems: CatalogProblem[] = [];

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lc: LineCounter,
  ) {}

  /**
   * Line of the node at `path` (for a mapping entry: the line of its key), or of its closest
   * existing ancestor.
   */
  lineOf(path: readonly PathKey[]): number | null {
    for (let n = path.length; n >= 0; n--) {
      const offset = this.offsetOf(path.slice(0, n));
      if (offset !== null) return this.lc.linePos(offset).line;
    }
    return null;
  }

  private offsetOf(path: readonly PathKey[]): number | null {
    if (path.length === 0) return isNode(this.doc.contents) && this.doc.contents.range ? this.doc.contents.range[0] : null;
    const parent: unknown = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value === last : p.key === last));
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
    const node: unknown = this.doc.getIn(path, true);
    return isNode(node) && node.range ? node.range[0] : null;
  }

  problem(path: readonly PathKey[] | null, message: string): void {
    this.problems.push({ line: path ? this.lineOf(path) : null, message });
  }

  fail(path: readonly PathKey[] | null, message: string): never {
    this.problem(path, message);
    throw new CatalogError(this.file, this.problems);
  }
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

/** 1-based line and column of `pos` in `source`. */
function lineCol(source: string, pos: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = source.indexOf("\n"); nl !== -1 && nl < pos; nl = source.indexOf("\n", nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, col: pos - lineStart + 1 };
}

const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const MAX_JSON_DEPTH = 512;

/** Strict JSON syntax check (RFC 8259). Returns the offset and reason of the first error, or null. */
export function jsonSyntaxError(src: string): { pos: number; message: string } | null {
  let i = 0;
  class Bad {
    constructor(readonly message: string) {}
  }
  const ws = (): void => {
    while (i < src.length) {
      const c = src.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const describe = (): string => (i >= src.length ? "end of file" : JSON.stringify(src[i]));
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= src.length) throw new Bad("unterminated string");
      const c = src.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const e = src[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === "u" && /^[0-9A-Fa-f]{4}$/.test(src.slice(i + 2, i + 6))) i += 6;
        else throw new Bad("invalid escape sequence in string");
      } else if (c < 0x20) {
        throw new Bad("control character in string (escape it)");
      } else i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_JSON_DEPTH) throw new Bad("nesting too deep");
    ws();
    const c = src[i];
    if (c === "{") {
      i++;
      ws();
      if (src[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (src[i] !== '"')
          throw new Bad(src[i] === "}" ? "trailing comma" : `expected a double-quoted property name, found ${describe()}`);
        string();
        ws();
        if (src[i] !== ":") throw new Bad(`expected ":", found ${describe()}`);
        i++;
        value(depth + 1);
        ws();
        if (src[i] === ",") i++;
        else if (src[i] === "}") {
          i++;
          return;
        } else throw new Bad(`expected "," or "}", found ${describe()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (src[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (src[i] === "]") throw new Bad("trailing comma");
        value(depth + 1);
        ws();
        if (src[i] === ",") i++;
        else if (src[i] === "]") {
          i++;
          return;
        } else throw new Bad(`expected "," or "]", found ${describe()}`);
      }
    }
    if (c === '"') return string();
    for (const lit of ["true", "false", "null"]) {
      if (src.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    JSON_NUMBER.lastIndex = i;
    if (JSON_NUMBER.test(src)) {
      i = JSON_NUMBER.lastIndex;
      return;
    }
    throw new Bad(`unexpected ${describe()}`);
  };
  try {
    ws();
    if (i >= src.length) return null; // empty file: reported as an empty catalog
    value(0);
    ws();
    if (i < src.length) throw new Bad(`unexpected ${describe()} after the end of the JSON value`);
    return null;
  } catch (err) {
    if (err instanceof Bad) return { pos: Math.min(i, src.length), message: err.message };
    throw err;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);
}

// ---------------------------------------------------------------------------------------------
// Validation (shared by both shapes)
// ---------------------------------------------------------------------------------------------

interface Candidate {
  raw: unknown;
  /** How to name the endpoint in errors when it has no usable id. */
  fallbackLabel: string;
  /** Where the item lives in the document (for error lines). */
  nodePath: PathKey[];
  /** Where a field's problem should point, when not `nodePath + field`. */
  fieldPaths?: Partial<Record<string, PathKey[]>>;
}

function fieldError(field: string, what = "a string") {
  return (iss: { input?: unknown }) => (iss.input === undefined ? `missing required field "${field}"` : `${field} must be ${what}`);
}

const METHOD_LIST = HTTP_METHODS.join(", ");

/** A reason why `p` is not a usable path template, or null. */
export function pathTemplateProblem(p: string): string | null {
  if (!p.startsWith("/")) return 'path must start with "/"';
  if (p.length > MAX_PATH_LENGTH) return `path must be at most ${MAX_PATH_LENGTH} characters`;
  if (/[\s\u0000-\u001f\u007f]/.test(p)) return "path must not contain whitespace or control characters";
  if (/[?#]/.test(p)) return 'path must not contain a query string or fragment ("?" or "#")';
  const segs = p.slice(1).split("/");
  if (segs.length > 1 && segs[segs.length - 1] === "") segs.pop(); // one trailing slash is fine
  const params = new Set<string>();
  for (const seg of segs) {
    if (seg === "" && segs.length > 1) return 'path must not contain empty segments ("//")';
    if (seg === "." || seg === "..") return 'path must not contain "." or ".." segments';
    const names = [...seg.matchAll(/\{([^{}/]+)\}/g)].map((m) => m[1]!);
    const rest = seg.replace(/\{[^{}/]+\}/g, "");
    if (/[{}]/.test(rest)) return `path segment "${seg}" has unbalanced or empty braces`;
    if (/\}\{/.test(seg)) return `path segment "${seg}" has two adjacent parameters`;
    for (const name of names) {
      if (params.has(name)) return `path parameter {${name}} appears more than once`;
      params.add(name);
    }
  }
  return null;
}

const EndpointSchema = z.strictObject(
  {
    id: z
      .string({ error: fieldError("id") })
      .min(1, "id must not be empty")
      .max(MAX_ID_LENGTH, `id must be at most ${MAX_ID_LENGTH} characters`)
      .regex(ID_CHARS, "id may only contain letters, digits and . _ : -"),
    api: z
      .string({ error: fieldError("api") })
      .trim()
      .min(1, "api must not be empty")
      .max(MAX_API_LENGTH, `api must be at most ${MAX_API_LENGTH} characters`),
    method: z
      .string({ error: fieldError("method") })
      .trim()
      .toUpperCase()
      .pipe(z.enum(HTTP_METHODS, { error: (iss) => `method must be one of ${METHOD_LIST} (got ${JSON.stringify(iss.input)})` })),
    path: z.string({ error: fieldError("path") }).superRefine((p, c) => {
      const reason = pathTemplateProblem(p);
      if (reason) c.addIssue({ code: "custom", message: reason });
    }),
    summary: z
      .string({ error: fieldError("summary") })
      .trim()
      .max(MAX_SUMMARY_LENGTH, `summary must be at most ${MAX_SUMMARY_LENGTH} characters`)
      .nullish()
      .transform((s) => s ?? ""),
  },
  {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown field${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")} (allowed: id, api, method, path, summary)`
        : "each endpoint must be a mapping with id, api, method, path and optional summary",
  },
);

function labelOf(c: Candidate): string {
  const id = isPlainObject(c.raw) ? c.raw.id : undefined;
  if (typeof id === "string" && id.length > 0 && id.length <= 100) return `endpoint ${JSON.stringify(id)}`;
  return c.fallbackLabel;
}

/** `/payments/{id}/` and `/payments/{paymentId}` are the same route. */
function routeKey(method: string, path: string): string {
  let p = path.replace(/\{[^{}/]+\}/g, "{}");
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return `${method} ${p}`;
}

function validate(candidates: Candidate[], ctx: Ctx): CatalogEndpoint[] {
  const out: CatalogEndpoint[] = [];
  const ids = new Map<string, PathKey[]>();
  const routes = new Map<string, { id: string; nodePath: PathKey[] }>();
  for (const c of candidates) {
    const label = labelOf(c);
    const parsed = EndpointSchema.safeParse(c.raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        const at =
          issue.code === "unrecognized_keys"
            ? [...c.nodePath, ...issue.keys.slice(0, 1)]
            : (typeof field === "string" && c.fieldPaths?.[field]) || [
                ...c.nodePath,
                ...issue.path.filter((k): k is PathKey => typeof k !== "symbol"),
              ];
        ctx.problem(at, `${label}: ${issue.message}`);
      }
      continue;
    }
    const ep = parsed.data;
    const firstId = ids.get(ep.id);
    if (firstId) {
      ctx.problem(c.nodePath, `${label}: duplicate id (first defined at line ${ctx.lineOf(firstId) ?? "?"})`);
      continue;
    }
    ids.set(ep.id, c.nodePath);
    const key = routeKey(ep.method, ep.path);
    const firstRoute = routes.get(key);
    if (firstRoute) {
      ctx.problem(
        c.nodePath,
        `${label}: duplicate route ${ep.method} ${ep.path} (same as endpoint ${JSON.stringify(firstRoute.id)} at line ${ctx.lineOf(firstRoute.nodePath) ?? "?"})`,
      );
      continue;
    }
    routes.set(key, { id: ep.id, nodePath: c.nodePath });
    out.push({ id: ep.id, api: ep.api, method: ep.method, path: ep.path, summary: ep.summary });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shape (a): a list of endpoints
// ---------------------------------------------------------------------------------------------

function fromList(data: unknown, ctx: Ctx): Candidate[] {
  let items: unknown[];
  let base: PathKey[];
  if (Array.isArray(data)) {
    items = data;
    base = [];
  } else if (isPlainObject(data) && "endpoints" in data) {
    const eps = data.endpoints;
    if (eps === null || eps === undefined) ctx.fail(["endpoints"], 'catalog is empty: "endpoints" has no items');
    if (!Array.isArray(eps)) ctx.fail(["endpoints"], '"endpoints" must be a list');
    items = eps;
    base = ["endpoints"];
  } else {
    ctx.fail([], 'expected a list of endpoints, a mapping with an "endpoints" list, or an OpenAPI 3 document');
  }
  if (items.length === 0) ctx.fail(base, "catalog has no endpoints");
  return items.map((raw, i) => ({ raw, fallbackLabel: `endpoint #${i + 1}`, nodePath: [...base, i] }));
}

// ---------------------------------------------------------------------------------------------
// Shape (b): OpenAPI 3
// ---------------------------------------------------------------------------------------------

/** Operation keys of an OpenAPI Path Item. TRACE is not a catalog method and is skipped. */
const OPENAPI_OPERATIONS = ["get", "put", "post", "delete", "options", "head", "patch"] as const;

function fromOpenApi(data: Record<string, unknown>, ctx: Ctx): Candidate[] {
  if ("swagger" in data && !("openapi" in data)) {
    ctx.fail(
      ["swagger"],
      `Swagger ${String(data.swagger)} documents are not supported: only OpenAPI 3.x is. Convert the file first (for example with swagger2openapi).`,
    );
  }
  const version = String(data.openapi);
  if (!/^3(\.|$)/.test(version)) ctx.fail(["openapi"], `unsupported OpenAPI version "${version}": only OpenAPI 3.x is supported`);

  const info = data.info;
  const title = isPlainObject(info) && typeof info.title === "string" ? info.title.trim() : "";
  const defaultApi = title !== "" ? truncate(title, MAX_API_LENGTH) : "default";

  const paths = data.paths;
  if (paths === undefined || paths === null) ctx.fail([], "OpenAPI document has no paths, so the catalog would be empty");
  if (!isPlainObject(paths)) ctx.fail(["paths"], '"paths" must be a mapping');

  const out: Candidate[] = [];
  const usedIds = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (path.startsWith("x-")) continue; // specification extension
    if (!isPlainObject(item)) {
      ctx.problem(["paths", path], `path ${JSON.stringify(path)}: path item must be a mapping`);
      continue;
    }
    if ("$ref" in item) {
      ctx.problem(["paths", path], `path ${JSON.stringify(path)}: path item "$ref" is not supported; inline the path item`);
      continue;
    }
    for (const m of OPENAPI_OPERATIONS) {
      const op = item[m];
      if (op === undefined) continue;
      const method = m.toUpperCase();
      const nodePath: PathKey[] = ["paths", path, m];
      if (!isPlainObject(op)) {
        ctx.problem(nodePath, `operation ${method} ${path}: must be a mapping`);
        continue;
      }
      let id: string;
      const opId = typeof op.operationId === "string" ? sanitizeId(op.operationId) : null;
      if (opId) {
        id = opId;
      } else {
        id = deriveId(m, path);
        if (usedIds.has(id)) id = withHash(id, `${method} ${path}`);
      }
      usedIds.add(id);
      const tags = op.tags;
      const firstTag = Array.isArray(tags) && typeof tags[0] === "string" ? tags[0].trim() : "";
      const api = firstTag !== "" ? truncate(firstTag, MAX_API_LENGTH) : defaultApi;
      const summary = firstLine(op.summary) || firstLine(op.description);
      out.push({
        raw: { id, api, method, path, summary: truncate(summary, MAX_SUMMARY_LENGTH) },
        fallbackLabel: `operation ${method} ${path}`,
        nodePath,
        fieldPaths: { path: ["paths", path], id: [...nodePath, "operationId"] },
      });
    }
  }
  return out;
}

function firstLine(v: unknown): string {
  if (typeof v !== "string") return "";
  for (const line of v.split(/\r?\n/)) {
    const t = line.replace(/\s+/g, " ").trim();
    if (t !== "") return t;
  }
  return "";
}

function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max
    ? s
    : `${chars
        .slice(0, max - 1)
        .join("")
        .trimEnd()}…`;
}

function shortHash(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex").slice(0, 8);
}

/** Append `_<hash8>`, shortening `id` so the result fits in MAX_ID_LENGTH. */
function withHash(id: string, hashOf: string): string {
  return `${id.slice(0, MAX_ID_LENGTH - 9)}_${shortHash(hashOf)}`;
}

/** Map an arbitrary string onto the id charset; over-long results are truncated plus a hash. */
export function sanitizeId(s: string): string | null {
  const clean = s.replace(/[^A-Za-z0-9._:-]+/g, "_").replace(/^_+|_+$/g, "");
  if (clean === "") return null;
  return clean.length <= MAX_ID_LENGTH ? clean : withHash(clean, s);
}

/** `get /payments/{paymentId}` -> `get_payments_paymentId`; `get /` -> `get_root`. */
export function deriveId(method: string, path: string): string {
  const part =
    path
      .replace(/[{}]/g, "")
      .replace(/[^A-Za-z0-9._:-]+/g, "_")
      .replace(/^_+|_+$/g, "") || "root";
  const m = method.toLowerCase().replace(/[^a-z]/g, "") || "op";
  return sanitizeId(`${m}_${part}`) ?? `${m}_root`;
}
