import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/errors.js";
import { SECRET_IN_TEXT_MESSAGE, generateKeyPair } from "./key-format.js";
import { LABEL_MAX, applicableRevoke, decisionErrors, labelErrors, revokeErrors, validateLabel, validateRevoke } from "./rules.js";

const secret = generateKeyPair("development").secretKey;

describe("key lifecycle rules (shared by the service and the Slack forms)", () => {
  it("labels: up to LABEL_MAX characters after cleaning, never a secret", () => {
    expect(labelErrors("x".repeat(LABEL_MAX))).toEqual({});
    expect(labelErrors(`  ${"x".repeat(LABEL_MAX)}  `)).toEqual({});
    expect(labelErrors("x".repeat(LABEL_MAX + 1))).toEqual({ label: `Keep the label to ${LABEL_MAX} characters.` });
    expect(labelErrors(`ci ${secret}`)).toEqual({ label: SECRET_IN_TEXT_MESSAGE });
    expect(validateLabel("  eu   cluster ")).toBe("eu cluster");
    expect(() => validateLabel("x".repeat(LABEL_MAX + 1))).toThrow(DomainError);
  });

  it("revocations: an action and a reason; a note for 'other'; a grace period for a delayed revoke", () => {
    expect(revokeErrors({})).toEqual({ action: "Pick what to do with the key.", reason: "Pick a reason." });
    expect(revokeErrors({ action: "now", reason: "other", note: "  " })).toEqual({ note: "Say why the key is revoked." });
    expect(revokeErrors({ action: "replace_grace", reason: "compromised" })).toEqual({ grace: "Pick a grace period." });
    expect(revokeErrors({ action: "now", reason: "no_longer_needed", note: secret })).toEqual({ note: SECRET_IN_TEXT_MESSAGE });
    expect(revokeErrors({ action: "replace_grace", grace: "24h", reason: "other", note: "moved" })).toEqual({});
    const err = (() => {
      try {
        validateRevoke({ action: "now", reason: "other" });
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(err?.code).toBe("credential.revoke_reason_missing");
    expect(err?.fields).toEqual({ note: "Say why the key is revoked." });
  });

  it("a grace period is kept for 'replace_grace' only (the dialog always sends its default)", () => {
    expect(validateRevoke({ action: "now", grace: "24h", reason: "compromised" })).toEqual({
      action: "now",
      reason: "compromised",
      note: "",
    });
    expect(validateRevoke({ action: "replace", grace: "7d", reason: "routine_rotation" })).not.toHaveProperty("grace");
    expect(validateRevoke({ action: "replace_grace", grace: "1h", reason: "routine_rotation" })).toMatchObject({ grace: "1h" });
    expect(applicableRevoke({ action: "now" as const, grace: "24h" as const, reason: "other" })).toEqual({
      action: "now",
      reason: "other",
    });
  });

  it("decisions: approve or reject; a rejection says why", () => {
    expect(decisionErrors(undefined, "")).toEqual({ decision: "Approve or reject." });
    expect(decisionErrors("reject", " ")).toEqual({ note: "Tell the requester why you reject it." });
    expect(decisionErrors("approve", "")).toEqual({});
    expect(decisionErrors("approve", secret)).toEqual({ note: SECRET_IN_TEXT_MESSAGE });
  });
});
