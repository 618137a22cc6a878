import { isMap, isNode, isScalar, type Document, type LineCounter } from "yaml";
import { CatalogError, type CatalogProblem } from "./error.js";

export { CatalogError, type CatalogProblem } from "./error.js";

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
