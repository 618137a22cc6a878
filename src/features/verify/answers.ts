/**
 * Valid answers, built once per indexed row (and per matched endpoint) and shared by every
 * request for it: unpacking the ids and filtering the endpoints would otherwise run on every
 * call, and the HTTP layer serialises each shared answer once. The cache empties itself when the
 * index changes (generation) or the catalog is reloaded.
 */
import type { CredentialIndex } from "./credential-index.js";
import type { EndpointSets } from "./endpoint-sets.js";
import type { VerifyAnswer } from "./verdicts.js";

export type ValidOutcome = { kind: "answer"; answer: Extract<VerifyAnswer, { valid: true }> };

/** A row's answer, and its answers naming one matched endpoint (at most one per catalog endpoint). */
interface Entry {
  valid: ValidOutcome;
  forEndpoint: Map<string, ValidOutcome> | null;
}

const MAX_ENTRIES = 50_000;

export class ValidAnswers {
  private byRow = new Map<number, Entry>();
  private generation = -1;
  private catalog: unknown = null;

  constructor(private readonly sets: EndpointSets) {}

  get(index: CredentialIndex, generation: number, row: number): ValidOutcome {
    return this.entry(index, generation, row).valid;
  }

  /** The row's valid answer with `endpoint` set to the catalog id the request matched. */
  withEndpoint(index: CredentialIndex, generation: number, row: number, endpoint: string): ValidOutcome {
    const e = this.entry(index, generation, row);
    e.forEndpoint ??= new Map();
    let o = e.forEndpoint.get(endpoint);
    if (!o) {
      o = { kind: "answer", answer: { ...e.valid.answer, endpoint } };
      e.forEndpoint.set(endpoint, o);
    }
    return o;
  }

  private entry(index: CredentialIndex, generation: number, row: number): Entry {
    const catalog = this.sets.catalogVersion();
    if (generation !== this.generation || catalog !== this.catalog) {
      this.byRow = new Map();
      this.generation = generation;
      this.catalog = catalog;
    }
    let e = this.byRow.get(row);
    if (!e) {
      if (this.byRow.size >= MAX_ENTRIES) this.byRow.clear();
      const valid: ValidOutcome = {
        kind: "answer",
        answer: {
          valid: true,
          appId: index.appPublicId(row),
          credentialId: index.credentialId(row),
          environment: index.environment(row),
          endpoints: this.sets.liveSet(index.endpointSet(row)).list,
        },
      };
      e = { valid, forEndpoint: null };
      this.byRow.set(row, e);
    }
    return e;
  }
}
