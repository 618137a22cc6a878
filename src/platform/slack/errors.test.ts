import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/errors.js";
import { SECRET_IN_TEXT_MESSAGE } from "../../features/credentials/key-format.js";
import { createLogger } from "../../logger.js";
import { describeError, domainErrorText, domainFieldErrors, errorText, fieldErrorsAck } from "./errors.js";

const logger = createLogger("silent");

describe("domain errors in Slack", () => {
  it("words each code and escapes every parameter", () => {
    const title = "<https://x|y> <!channel> & *bold*";
    expect(domainErrorText(new DomainError("app.archived", { title }))).toBe(
      "The app *&lt;https://x|y&gt; &lt;!channel&gt; &amp; *bold** has been archived.",
    );
    expect(domainErrorText(new DomainError("app.not_found_by_title", { title: "<@U0VICTIM>" }))).toBe(
      'No app of yours is called "&lt;@U0VICTIM&gt;". Try `/apps list`.',
    );
    expect(domainErrorText(new DomainError("credential.label_too_long", { max: 60 }))).toBe("Keep the label to 60 characters.");
    expect(domainErrorText(new DomainError("owners.already_owner", { userId: "U123" }))).toBe("<@U123> already owns this app.");
  });

  it("says optional parts only when they are there", () => {
    expect(domainErrorText(new DomainError("approval.already_decided", { status: "APPROVED", decidedBy: "U1" }))).toBe(
      "This request was already approved by <@U1>. Nothing was changed.",
    );
    expect(domainErrorText(new DomainError("approval.already_decided", { status: "REJECTED" }))).toBe(
      "This request was already rejected. Nothing was changed.",
    );
  });

  it("says the same about pasted secrets as the field does", () => {
    expect(domainErrorText(new DomainError("input.contains_secret", {}, { note: SECRET_IN_TEXT_MESSAGE }))).toBe(SECRET_IN_TEXT_MESSAGE);
  });

  it("keeps other failures' details out of the message and gives a request id", () => {
    const e = describeError(new Error("connection refused to 10.0.0.1"), logger, "testing");
    expect(e.text).not.toContain("10.0.0.1");
    expect(e.requestId).toMatch(/^[0-9a-f]{8}$/);
    expect(errorText(e)).toContain(`Request ID \`${e.requestId}\``);
    expect(describeError(new DomainError("app.gone", {}), logger, "testing")).toEqual({ text: "That app no longer exists." });
  });

  it("maps field errors to the modal's block ids", () => {
    const err = new DomainError("input.invalid", {}, { days: "Snooze for 1 to 30 days.", other: "x" });
    expect(domainFieldErrors(err, { days: "snooze_days" })).toEqual({
      response_action: "errors",
      errors: { snooze_days: "Snooze for 1 to 30 days.", other: "x" },
    });
    expect(domainFieldErrors(new DomainError("app.gone", {}))).toBeUndefined();
    expect(domainFieldErrors(new Error("boom"))).toBeUndefined();
    expect(fieldErrorsAck({ label: "Too long." }, { label: "label_block" }).errors).toEqual({ label_block: "Too long." });
  });
});
