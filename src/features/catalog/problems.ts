import { isMap, isNode, isScalar, type Document, type LineCounter } from "yaml";

/** At most this many problems are spelled out in a CatalogError message. */
const MAX_REPORTED_PROBLEMS = 20;

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

export type PathKey = string | number;

/** Parsing context: the YAML document plus line lookups for error messages. */
export class Ctx {
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
