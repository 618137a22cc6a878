/**
 * The endpoint sets of apps, interned: many apps connect the same endpoints, so the credential
 * index stores a small number per credential instead of a list. Also the catalog view used when
 * answering: only endpoints still in the catalog (the directory) are offered or matched.
 */
import { EndpointMatcher, parseEndpointRef } from "../catalog/match.js";
import type { EndpointRow } from "../catalog/service.js";

export interface EndpointSource {
  all(): readonly EndpointRow[];
  get(id: string): EndpointRow | undefined;
}

interface LiveSet {
  /** Live endpoint ids, sorted, frozen (shared by every answer). */
  list: readonly string[];
  ids: ReadonlySet<string>;
}

export class EndpointSets {
  private readonly byText = new Map<string, number>();
  private readonly texts: string[] = [];
  private live: (LiveSet | undefined)[] = [];
  private rows: readonly EndpointRow[] | null = null;
  private matcher: EndpointMatcher | null = null;

  constructor(private readonly source: EndpointSource) {}

  /** The number of a set, given as sorted comma-separated ids ("" for none). */
  intern(text: string): number {
    let n = this.byText.get(text);
    if (n === undefined) {
      n = this.texts.length;
      this.texts.push(text);
      this.byText.set(text, n);
    }
    return n;
  }

  get size(): number {
    return this.texts.length;
  }

  /** The set's endpoints that are still in the catalog. */
  liveSet(n: number): LiveSet {
    this.sync();
    let s = this.live[n];
    if (!s) {
      const text = this.texts[n] ?? "";
      const list = [...new Set(text ? text.split(",") : [])].filter((id) => this.source.get(id) !== undefined).sort();
      s = { list: Object.freeze(list), ids: new Set(list) };
      this.live[n] = s;
    }
    return s;
  }

  /** The catalog id that "METHOD /path" matches, or null. */
  match(endpoint: string): string | null {
    this.sync();
    const ref = parseEndpointRef(endpoint);
    if (!ref) return null;
    this.matcher ??= new EndpointMatcher(this.rows!);
    return this.matcher.match(ref.method, ref.path);
  }

  /** True when the catalog changed since the live views were built (they are rebuilt lazily). */
  private sync(): boolean {
    const rows = this.source.all();
    if (rows === this.rows) return false;
    this.rows = rows;
    this.matcher = null;
    this.live = [];
    return true;
  }

  /** The catalog rows the live views were built from (answers cached against them). */
  catalogVersion(): readonly EndpointRow[] {
    this.sync();
    return this.rows!;
  }
}
