/** Errors the domain raises on purpose; anything else is a bug or an outage. */
export type DomainErrorCode = "NOT_FOUND" | "FORBIDDEN" | "CONFLICT" | "INVALID" | "INVALID_STATE";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Field errors keyed by input name, for modals. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", what);
export const forbidden = (why: string) => new DomainError("FORBIDDEN", why);

/** Prisma P2002, which both driver adapters raise for unique violations (see src/platform/db/database.ts). */
export { isUniqueViolation } from "../platform/db/database.js";
