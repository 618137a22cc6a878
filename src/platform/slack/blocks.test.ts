import { describe, expect, it } from "vitest";
import type { AppDetails } from "../../features/apps/service.js";
import { appDetailsBlocks, appListBlocks } from "../../features/apps/slack/blocks.js";
import { endpointsModal, newAppModal } from "../../features/apps/slack/create.blocks.js";
import { endpointOptions } from "../../features/catalog/slack/blocks.js";
import { generateKeyModal, revokeModal } from "../../features/credentials/slack/blocks.js";
import { keysModal } from "../../features/credentials/slack/reveal.blocks.js";
import { approvalReviewModal, pendingApprovalsBlocks } from "../../features/approvals/slack/blocks.js";
import { textLength } from "./blocks.js";

const now = new Date("2026-05-01T00:00:00Z");
const endpoint = (i: number) => ({
  id: `api${i % 7}.op${i}`,
  api: `API ${i % 7}`,
  method: "GET",
  path: `/things/${i}/{id}`.padEnd(90, "x"),
  summary: "s".repeat(300),
});

function details(nCreds: number, nEndpoints: number): AppDetails {
  const app = {
    id: "a1",
    publicId: "app_AAAAAAAAAAAA",
    teamId: "T1",
    title: "T".repeat(80),
    titleKey: "t",
    description: "<!channel> & stuff".repeat(20),
    ownerId: "U1",
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    owners: [{ appId: "a1", userId: "U1", role: "owner", addedBy: "U1", createdAt: now }],
  };
  const credentials = Array.from({ length: nCreds }, (_, i) => ({
    id: `cred_${i}`,
    appId: "a1",
    environment: "production" as const,
    label: "l",
    sharedKey: `ak_prod_${i}`,
    secretHash: "h",
    secretLast4: "abcd",
    status: i % 2 ? ("REVOKED" as const) : ("ACTIVE" as const),
    createdAt: now,
    createdBy: "U1",
    revokedAt: i % 2 ? now : null,
    revokedBy: null,
    revokeReason: null,
    revokeNote: null,
    revokeAt: null,
    replacedById: null,
    lastUsedAt: null,
    snoozedUntil: null,
    snoozeReason: null,
    snoozedBy: null,
  }));
  const endpoints = Array.from({ length: nEndpoints }, (_, i) => ({ ...endpoint(i), retiredAt: null, createdAt: now, updatedAt: now }));
  return { app, credentials, endpoints } as AppDetails;
}

describe("Block Kit builders stay within Slack's limits", () => {
  it("details fit one message (≤ 50 blocks) with many keys and endpoints, and escape user text", () => {
    const blocks = appDetailsBlocks(details(200, 2000), { now, canManage: true });
    expect(blocks.length).toBeLessThanOrEqual(50);
    // Slack refuses a message with ~13k characters of block text (msg_blocks_too_long).
    expect(textLength(blocks)).toBeLessThanOrEqual(12_000);
    expect(JSON.stringify(blocks)).toContain("2000 connected in all");
    const text = JSON.stringify(blocks);
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("&lt;!channel&gt;");
    for (const b of blocks) if (b.type === "section" && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  });

  it("the pending approvals list stays within a message's text budget", () => {
    const items = Array.from({ length: 40 }, (_, i) => ({
      approval: {
        id: `ap${i}`,
        kind: "REVOKE" as const,
        requesterId: "U1",
        createdAt: now,
        payload: { action: "replace_grace" as const, grace: "7d" as const, reason: "other" as const, note: "n".repeat(500) },
      },
      app: { publicId: "app_AAAAAAAAAAAA", title: "T".repeat(80) },
      credential: {
        id: "cred_1",
        environment: "production" as const,
        label: "l".repeat(60),
        sharedKey: "ak_prod_x",
        secretLast4: "abcd",
        createdAt: now,
        createdBy: "U1",
        lastUsedAt: null,
      },
    }));
    const blocks = pendingApprovalsBlocks(items, 40);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(textLength(blocks)).toBeLessThanOrEqual(12_000);
    expect(JSON.stringify(blocks)).toMatch(/more not shown/);
  });

  it("the app list pages at 10 cards", () => {
    const apps = Array.from({ length: 95 }, (_, i) => ({
      id: `${i}`,
      publicId: `app_${i}`,
      title: `App ${i}`,
      description: "d",
      activeKeys: i,
    }));
    const first = appListBlocks(apps, 0);
    expect(first.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(first)).toContain("Page 1 of 10");
    expect(JSON.stringify(appListBlocks(apps, 99))).toContain("Page 10 of 10");
  });

  it("modal titles and buttons are at most 24 characters", () => {
    const app = { publicId: "app_AAAAAAAAAAAA", title: "x" };
    const cred = {
      id: "cred_1",
      environment: "production" as const,
      label: "",
      sharedKey: "ak",
      secretLast4: "abcd",
      createdAt: now,
      createdBy: "U1",
      lastUsedAt: null,
    };
    const views = [
      newAppModal(),
      endpointsModal({ title: "t".repeat(80), description: "d".repeat(500) }, ["A"]),
      keysModal({ appTitle: "t", appPublicId: "app_x", credentialId: "c", environment: "staging", sharedKey: "a", secretKey: "s" }),
      generateKeyModal(app, false),
      revokeModal(app, cred, { isApprover: false, now }),
      approvalReviewModal(
        {
          id: "x",
          kind: "REVOKE",
          requesterId: "U1",
          createdAt: now,
          payload: { action: "replace_grace", grace: "7d", reason: "other", note: "n" },
        },
        app,
        [],
        cred,
      ),
    ];
    for (const v of views) {
      expect(v.title.text.length).toBeLessThanOrEqual(24);
      if (v.submit) expect(v.submit.text.length).toBeLessThanOrEqual(24);
      if (v.close) expect(v.close.text.length).toBeLessThanOrEqual(24);
      expect((v.private_metadata ?? "").length).toBeLessThanOrEqual(3000);
      expect(v.blocks.length).toBeLessThanOrEqual(100);
    }
    expect(endpointsModal({ title: "t", description: "" }, []).submit!.text).toBe("Connect & Generate Keys");
  });

  it("type-ahead answers at most 100 options with ≤ 75-character texts", () => {
    const res = endpointOptions(Array.from({ length: 500 }, (_, i) => endpoint(i))) as {
      option_groups: { label: { text: string }; options: { text: { text: string }; value: string; description?: { text: string } }[] }[];
    };
    const options = res.option_groups.flatMap((g) => g.options);
    expect(options.length).toBe(100);
    for (const o of options) {
      expect(o.text.text.length).toBeLessThanOrEqual(75);
      expect(o.value.length).toBeLessThanOrEqual(75);
      expect(o.description!.text.length).toBeLessThanOrEqual(75);
    }
    expect(res.option_groups.length).toBe(7);
  });
});
