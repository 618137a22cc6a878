/**
 * Matching a request (method + concrete path) against the catalog's path templates.
 *
 * Templates are compiled once into a per-method segment trie. A lookup walks the trie one
 * segment at a time, preferring literal children over pattern segments (`v{version}`) over
 * whole-segment params (`{id}`), backtracking when a preferred branch dead-ends. Each trie node
 * lives at a single depth, so one lookup visits every node at most once: the cost is bounded by
 * the catalog size and is O(path depth) in practice. No regex runs over the whole catalog.
 */

export const MAX_ENDPOINT_PATH_LENGTH = 2048;

/** Upper bound on a whole "METHOD /path?query" string, checked before any other work. */
const MAX_ENDPOINT_REF_LENGTH = 8192;

const METHOD_TOKEN = /^[A-Za-z]{1,16}$/;

/** Whitespace (incl. Unicode spaces and line separators) and C0/DEL control characters. */
const BAD_PATH_CHAR = /[\s\u0000-\u001f\u007f]/;

/**
 * Parse "GET /payments/123?x=1" into { method: 'GET', path: '/payments/123' }.
 * Method is case-insensitive (returned upper-case); the path must start with '/', contain no
 * whitespace or control characters and be at most 2048 characters; query string and fragment
 * are stripped. Returns null for anything else.
 */
export function parseEndpointRef(s: string): { method: string; path: string } | null {
  if (typeof s !== "string" || s.length > MAX_ENDPOINT_REF_LENGTH) return null;
  const trimmed = s.trim();
  const sp = trimmed.search(/\s/);
  if (sp <= 0) return null;
  const method = trimmed.slice(0, sp);
  if (!METHOD_TOKEN.test(method)) return null;
  const rawPath = trimmed.slice(sp).trimStart();
  // Whitespace or control characters anywhere after the method (query included) -> reject.
  if (BAD_PATH_CHAR.test(rawPath)) return null;
  const path = stripQueryAndFragment(rawPath);
  if (!isAcceptablePath(path)) return null;
  return { method: method.toUpperCase(), path };
}

function stripQueryAndFragment(path: string): string {
  const q = path.search(/[?#]/);
  return q === -1 ? path : path.slice(0, q);
}

function isAcceptablePath(path: string): boolean {
  return path.length > 0 && path.length <= MAX_ENDPOINT_PATH_LENGTH && path.charCodeAt(0) === 0x2f /* '/' */ && !BAD_PATH_CHAR.test(path);
}

// ---------------------------------------------------------------------------------------------

interface TrieNode {
  literals: Map<string, TrieNode>;
  /** Segments mixing literal text and params, e.g. `{name}.{ext}` or `v{version}`. */
  patterns: { source: string; re: RegExp; node: TrieNode }[];
  /** A whole-segment `{param}` child. Param names don't matter for matching. */
  param: TrieNode | null;
  endpointId: string | null;
}

function newNode(): TrieNode {
  return { literals: new Map(), patterns: [], param: null, endpointId: null };
}

const WHOLE_PARAM = /^\{[^{}/]+\}$/;
const HAS_PARAM = /\{[^{}/]+\}/;

type SegmentKind = { kind: "literal"; value: string } | { kind: "param" } | { kind: "pattern"; source: string; re: RegExp };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function classifyTemplateSegment(seg: string): SegmentKind {
  if (WHOLE_PARAM.test(seg)) return { kind: "param" };
  if (HAS_PARAM.test(seg)) {
    // Split into literal parts and params; each param matches one or more characters.
    const parts = seg.split(/\{[^{}/]+\}/);
    const literal = parts.map((p) => safeDecode(p) ?? p);
    const source = literal.map((p) => p.replace(/\{|\}/g, (c) => `\\${c}`)).join("{}");
    const re = new RegExp(`^${literal.map(escapeRegExp).join("(.+?)")}$`, "s");
    return { kind: "pattern", source, re };
  }
  return { kind: "literal", value: safeDecode(seg) ?? seg };
}

function safeDecode(seg: string): string | null {
  if (!seg.includes("%")) return seg;
  try {
    return decodeURIComponent(seg);
  } catch {
    return null;
  }
}

/** Split "/a/b/" into ["a", "b"]; "/" into []. One trailing slash is tolerated. */
function splitPath(path: string): string[] {
  const segs = path.slice(1).split("/");
  if (segs.length > 0 && segs[segs.length - 1] === "") segs.pop();
  return segs;
}

export interface MatchableEndpoint {
  id: string;
  method: string;
  path: string;
}

export class EndpointMatcher {
  private readonly roots = new Map<string, TrieNode>();
  private readonly maxDepth = new Map<string, number>();

  /**
   * Compile the templates. When two endpoints have the same method and (param-name-insensitive)
   * template, the first one wins; the catalog loader rejects such duplicates anyway.
   */
  constructor(endpoints: readonly MatchableEndpoint[]) {
    for (const ep of endpoints) this.add(ep);
  }

  private add(ep: MatchableEndpoint): void {
    const method = ep.method.toUpperCase();
    const path = ep.path.startsWith("/") ? ep.path : `/${ep.path}`;
    let root = this.roots.get(method);
    if (!root) {
      root = newNode();
      this.roots.set(method, root);
    }
    const segs = splitPath(path);
    let node = root;
    for (const seg of segs) {
      const c = classifyTemplateSegment(seg);
      if (c.kind === "literal") {
        let next = node.literals.get(c.value);
        if (!next) {
          next = newNode();
          node.literals.set(c.value, next);
        }
        node = next;
      } else if (c.kind === "param") {
        node = node.param ??= newNode();
      } else {
        let entry = node.patterns.find((p) => p.source === c.source);
        if (!entry) {
          entry = { source: c.source, re: c.re, node: newNode() };
          node.patterns.push(entry);
        }
        node = entry.node;
      }
    }
    if (node.endpointId === null) node.endpointId = ep.id;
    this.maxDepth.set(method, Math.max(this.maxDepth.get(method) ?? 0, segs.length));
  }

  /**
   * The id of the endpoint whose template matches `method` + `path`, or null.
   * - `{param}` matches exactly one non-empty segment; literal segments beat params.
   * - One trailing slash is tolerated; query string and fragment are ignored.
   * - Segments are percent-decoded after splitting, so `%2F` never creates a new segment.
   *   Malformed percent-encoding, empty segments (`//`) and dot segments (`.`, `..`, also
   *   encoded) never match, so a path that a proxy would normalise elsewhere can't pass as an
   *   allowed endpoint.
   */
  match(method: string, path: string): string | null {
    if (typeof method !== "string" || typeof path !== "string") return null;
    const m = method.toUpperCase();
    const root = this.roots.get(m);
    if (!root) return null;
    const clean = stripQueryAndFragment(path);
    if (!isAcceptablePath(clean)) return null;
    const raw = splitPath(clean);
    if (raw.length > (this.maxDepth.get(m) ?? 0)) return null;
    const segs: string[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const decoded = safeDecode(raw[i]!);
      if (decoded === null || decoded === "" || decoded === "." || decoded === "..") return null;
      segs[i] = decoded;
    }
    return walk(root, segs, 0);
  }
}

function walk(node: TrieNode, segs: string[], i: number): string | null {
  if (i === segs.length) return node.endpointId;
  const seg = segs[i]!;
  const lit = node.literals.get(seg);
  if (lit) {
    const r = walk(lit, segs, i + 1);
    if (r !== null) return r;
  }
  for (const p of node.patterns) {
    if (p.re.test(seg)) {
      const r = walk(p.node, segs, i + 1);
      if (r !== null) return r;
    }
  }
  if (node.param) return walk(node.param, segs, i + 1);
  return null;
}
