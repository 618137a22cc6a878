import { describe, expect, it } from "vitest";
import { slackApiError, slackCode } from "./slack-error.js";

describe("Slack error codes", () => {
  it("reads Slack's own answer first", () => {
    const err = { code: "slack_webapi_platform_error", data: { ok: false, error: "not_in_channel" } };
    expect(slackApiError(err)).toBe("not_in_channel");
    expect(slackCode(err)).toBe("not_in_channel");
  });

  it("falls back to the client's error code, then to unknown", () => {
    expect(slackApiError({ code: "slack_webapi_request_error" })).toBeUndefined();
    expect(slackCode({ code: "slack_webapi_request_error" })).toBe("slack_webapi_request_error");
    expect(slackCode(new Error("boom"))).toBe("unknown");
  });

  it("tolerates anything thrown", () => {
    for (const thrown of [undefined, null, "text", 42, { data: null }, { data: { error: 7 } }]) {
      expect(slackApiError(thrown)).toBeUndefined();
      expect(slackCode(thrown)).toBe("unknown");
    }
  });
});
