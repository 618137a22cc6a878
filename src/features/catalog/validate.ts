import { EndpointSchema, type CatalogEndpoint } from "./endpoint.js";
import type { Ctx, PathKey } from "./problems.js";

/** An endpoint as read from either file shape, before it is checked. */
export interface Candidate {
  raw: unknown;
  /** How to name the endpoint in errors when it has no usable id. */
  fallbackLabel: string;
  /** Where the item lives in the document (for error lines). */
  nodePath: PathKey[];
  /** Where a field's problem should point, when not `nodePath + field`. */
  fieldPaths?: Partial<Record<string, PathKey[]>>;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);
}

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

export function validate(candidates: Candidate[], ctx: Ctx): CatalogEndpoint[] {
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
