/** At most this many problems are spelled out in a CatalogError message. */
const MAX_REPORTED_PROBLEMS = 20;

export interface CatalogProblem {
  /** 1-based line in the file, when known. */
  line: number | null;
  message: string;
}

/** A catalog file that cannot be used: its message reads like a compiler error, one line per problem. */
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
