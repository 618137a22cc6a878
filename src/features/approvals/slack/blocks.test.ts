import { describe, expect, it } from "vitest";
import { ACT } from "../../../platform/slack/ids.js";
import { approvalRequestBlocks, collectKeyBlocks, pendingApprovalsBlocks, requestSentModal, type ApprovalView } from "./blocks.js";

const now = new Date("2026-05-01T00:00:00Z");
const app = { publicId: "app_AAAAAAAAAAAA", title: "<https://evil.example|Rotate now> <!channel> & *bold*" };
const credential = {
  id: "cred_1",
  environment: "production" as const,
  label: "<@U0VICTIM>",
  sharedKey: "ak_prod_x",
  secretLast4: "abcd",
  createdAt: now,
  createdBy: "U1",
  lastUsedAt: null,
};
const revoke: ApprovalView = {
  id: "ap_1",
  kind: "REVOKE",
  requesterId: "U1",
  createdAt: now,
  payload: { action: "replace_grace", grace: "7d", reason: "other", note: "<!here> rotate" },
};

describe("approval Block Kit builders", () => {
  it("the approver's DM escapes the app title, the key's label and the requester's note, and carries only the request id", () => {
    const json = JSON.stringify(approvalRequestBlocks(revoke, app, credential));
    for (const raw of ["<https://evil.example", "<!channel>", "<@U0VICTIM>", "<!here>"]) expect(json).not.toContain(raw);
    expect(json).toContain("&lt;!channel&gt; &amp;");
    expect(json).toContain(`"action_id":"${ACT.review}"`);
    expect(json).toContain(`"value":"ap_1"`);
    expect(json).toContain("7 days");
  });

  it("a production key request names the label, escaped", () => {
    const generate: ApprovalView = { ...revoke, kind: "GENERATE", payload: { environment: "production", label: "<!channel>" } };
    const json = JSON.stringify(approvalRequestBlocks(generate, app));
    expect(json).toContain("New production key");
    expect(json).not.toContain("<!channel>");
  });

  it("nothing pending says so; the requester's modal and Get my key button are escaped and carry the id", () => {
    expect(JSON.stringify(pendingApprovalsBlocks([], 0))).toContain("Nothing is waiting");
    expect(JSON.stringify(requestSentModal(app, "production key").blocks)).not.toContain("<!channel>");
    // Only a request that issues a key promises a secret; "revoke now" issues none.
    expect(JSON.stringify(requestSentModal(app, "production key").blocks)).toContain("A new secret is delivered to you privately");
    const revokeNow = JSON.stringify(requestSentModal(app, "key revocation", { newSecret: false }).blocks);
    expect(revokeNow).not.toMatch(/secret/i);
    expect(revokeNow).toContain("The key keeps working until then.");
    const collect = JSON.stringify(collectKeyBlocks("Approved.", "ap_9"));
    expect(collect).toContain(`"action_id":"${ACT.collect}"`);
    expect(collect).toContain(`"value":"ap_9"`);
  });
});
