import type { Prisma } from "../../generated/prisma/client.js";
import { applicableRevoke, generatePayload, revokePayload, type ApprovalRow } from "../credentials/rules.js";

type CredentialRow = Prisma.CredentialGetPayload<object>;

/**
 * What a request asked for, as its audit events show it: the environment, who asked, and only
 * the parameters that apply (never a grace period for an action without one).
 */
export function describeRequest(
  row: ApprovalRow,
  credential: CredentialRow | null,
): { environment?: string; details: Record<string, string | undefined> } {
  const base = { kind: row.kind, requestedBy: row.requesterId };
  if (row.kind === "GENERATE") {
    const p = generatePayload.safeParse(row.payload);
    return {
      environment: p.success ? p.data.environment : undefined,
      details: { ...base, label: (p.success && p.data.label) || undefined },
    };
  }
  const p = revokePayload.safeParse(row.payload);
  const req = p.success ? applicableRevoke(p.data) : undefined;
  return {
    environment: credential?.environment,
    details: { ...base, action: req?.action, grace: req?.grace, requestReason: req?.reason, requestNote: req?.note || undefined },
  };
}
