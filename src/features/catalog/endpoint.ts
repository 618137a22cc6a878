import { z } from "zod";

/** One endpoint of the catalog, as every accepted file shape is checked: the rules and limits. */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

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

const ID_CHARS = /^[A-Za-z0-9._:-]*$/;

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

export const EndpointSchema = z.strictObject(
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
