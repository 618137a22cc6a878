import { describe, expect, it } from "vitest";
import { CB } from "./ids.js";
import { errorModal, progressModal, resultModal } from "./modals.js";

describe("generic modals", () => {
  it("fit Slack's 24-character title and button limits and close with the result callback", () => {
    const long = "A title far longer than Slack allows";
    for (const v of [resultModal(long, "done"), progressModal(long, "working"), errorModal(long, "failed")]) {
      expect(v.title.text.length).toBeLessThanOrEqual(24);
      expect(v.close?.text).toBe("Close");
      expect(v.callback_id).toBe(CB.result);
      expect(v.submit).toBeUndefined();
    }
  });

  it("say what they show: the text, an hourglass while working, a warning and the request id on failure", () => {
    expect(JSON.stringify(resultModal("T", "All *done*").blocks)).toContain("All *done*");
    expect(JSON.stringify(progressModal("T", "Working").blocks)).toContain(":hourglass_flowing_sand: Working");
    const failed = JSON.stringify(errorModal("T", "It broke", "ab12cd34").blocks);
    expect(failed).toContain(":warning: It broke");
    expect(failed).toContain("Request ID `ab12cd34`");
    expect(JSON.stringify(errorModal("T", "It broke").blocks)).not.toContain("Request ID");
  });
});
