import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../../credentials/key-format.js";
import { revokedOwnerMessage, sharedKeyOwnerMessage, threadReplyText, whereText } from "./blocks.js";

const EVIL = "<https://evil.example|Rotate now> <!channel> & *bold*";

describe("leak messages", () => {
  it("the thread reply names apps by App ID only", () => {
    expect(threadReplyText(["app_AAAAAAAAAAAA"])).toMatch(
      /^:rotating_light: An AppKeys secret key of app `app_AAAAAAAAAAAA` was posted here/,
    );
    expect(threadReplyText(["app_A", "app_B", "app_A"])).toContain("2 AppKeys secret keys of apps `app_A`, `app_B` were posted");
  });

  it("escapes what came from outside and never shows a key found in a URL or a scanner name", () => {
    const { secretKey } = generateKeyPair("production");
    const scanner = whereText({ kind: "scanner", source: `${EVIL} ${secretKey}`, url: `https://ci.example.com/x?k=${secretKey}` });
    expect(scanner).not.toContain(secretKey.slice(8));
    expect(scanner).not.toContain("<!channel>");
    expect(scanner).not.toContain("<https://evil");
    expect(scanner).toContain("<https://ci.example.com/x?k=[redacted]|this location>");
    // A URL that would break out of Slack's link markup is shown as text, escaped.
    const github = whereText({ kind: "github", url: "https://x.example/a|<!here>", source: "commit" });
    expect(github).toBe("`https://x.example/a|&lt;!here&gt;` on GitHub (commit), found by GitHub secret scanning");
    expect(whereText({ kind: "slack", channel: "C1", messageTs: "1.2", poster: "U1" }, "https://t.slack.com/archives/C1/p12")).toBe(
      "<https://t.slack.com/archives/C1/p12|this message> in <#C1>, posted by <@U1>",
    );
  });

  it("escapes the app title and label in the owners' DMs, text fallback included", () => {
    const p = {
      credential: { id: "cred_1", environment: "production", label: EVIL },
      app: { publicId: "app_1", title: EVIL },
      source: { kind: "github" as const },
    };
    for (const m of [revokedOwnerMessage(p), sharedKeyOwnerMessage(p)]) {
      const all = JSON.stringify(m);
      expect(all).not.toContain("<!channel>");
      expect(all).not.toContain("<https://evil");
      expect(all).toContain("&lt;!channel&gt;");
    }
    expect(JSON.stringify(revokedOwnerMessage(p).blocks)).toContain("approver");
  });
});
