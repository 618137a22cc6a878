import { createHash } from "node:crypto";
import { MAX_API_LENGTH, MAX_ID_LENGTH, MAX_SUMMARY_LENGTH } from "./endpoint.js";
import type { Ctx, PathKey } from "./problems.js";
import { isPlainObject, type Candidate } from "./validate.js";

// Shape (b): an OpenAPI 3 document, one endpoint per operation.

/** Operation keys of an OpenAPI Path Item. TRACE is not a catalog method and is skipped. */
const OPENAPI_OPERATIONS = ["get", "put", "post", "delete", "options", "head", "patch"] as const;

export function fromOpenApi(data: Record<string, unknown>, ctx: Ctx): Candidate[] {
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
