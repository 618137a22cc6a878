/**
 * Valid answers, built once per indexed row and shared by every request for it: unpacking the
 * ids and filtering the endpoints would otherwise run on every call. The cache empties itself
 * when the index changes (generation) or the catalog is reloaded.
 */
import type { CredentialIndex } from "./credential-index.js";
import type { EndpointSets } from "./endpoint-sets.js";
import type { VerifyAnswer } from "./verdicts.js";

export type ValidOutcome = { kind: "answer"; answer: Extract<VerifyAnswer, { valid: true }> };

const MAX_ENTRIES = 50_000;

export class ValidAnswers {
  private byRow = new Map<number, ValidOutcome>();
  private generation = -1;
  private catalog: unknown = null;

  constructor(private readonly sets: EndpointSets) {}

  get(index: CredentialIndex, generation: number, row: number): ValidOutcome {
    const catalog = this.sets.catalogVersion();
    if (generation !== this.generation || catalog !== this.catalog) {
      this.byRow = new Map();
      this.generation = generation;
      this.catalog = catalog;
    }
    let o = this.byRow.get(row);
    if (!o) {
      if (this.byRow.size >= MAX_ENTRIES) this.byRow.clear();
      o = {
        kind: "answer",
        answer: {
          valid: true,
          appId: index.appPublicId(row),
          credentialId: index.credentialId(row),
          environment: index.environment(row),
          endpoints: this.sets.liveSet(index.endpointSet(row)).list,
        },
      };
      this.byRow.set(row, o);
    }
    return o;
  }
}
