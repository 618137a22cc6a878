import type { Ctx, PathKey } from "./problems.js";
import { isPlainObject, type Candidate } from "./validate.js";

/** Shape (a): a list of endpoints, or `{ endpoints: [...] }`. */
export function fromList(data: unknown, ctx: Ctx): Candidate[] {
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
