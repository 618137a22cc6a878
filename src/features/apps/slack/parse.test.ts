import { describe, expect, it } from "vitest";
import { commandTextAsSlackSends } from "../../../../test/support/slack-client.js";
import { parseAppsCommand, unescapeSlack } from "./parse.js";

describe("/apps command text", () => {
  it.each([
    ["", { kind: "list" }],
    ["list", { kind: "list" }],
    ["LIST", { kind: "list" }],
    ["create", { kind: "create" }],
    ["new", { kind: "create" }],
    ["help", { kind: "help" }],
    ["show app_AbCdEfGhIjKl", { kind: "show", ref: "app_AbCdEfGhIjKl" }],
    ['show "Checkout   service"', { kind: "show", ref: "Checkout service" }],
    ["show “Curly”", { kind: "show", ref: "Curly" }],
    ["show Fish &amp; Chips", { kind: "show", ref: "Fish & Chips" }],
    ["keys generate Billing", { kind: "keys-generate", ref: "Billing" }],
    ["keys revoke cred_abcdefABCDEF12", { kind: "keys-revoke", credentialId: "cred_abcdefABCDEF12" }],
    ["share Billing <@U123ABC|alice>", { kind: "share", ref: "Billing", userId: "U123ABC", remove: false }],
    ["unshare app_AbCdEfGhIjKl <@W999>", { kind: "share", ref: "app_AbCdEfGhIjKl", userId: "W999", remove: true }],
    ["settings", { kind: "settings" }],
    ["share Billing <!subteam^S0SRE|@sre>", { kind: "share-team", ref: "Billing", groupId: "S0SRE", handle: "sre", remove: false }],
    [
      'unshare "Big App" <!subteam^S0SRE|@sre team>',
      { kind: "share-team", ref: "Big App", groupId: "S0SRE", handle: "sre team", remove: true },
    ],
    ["share Billing <!subteam^S0SRE>", { kind: "share-team", ref: "Billing", groupId: "S0SRE", handle: "", remove: false }],
    ["audit Billing", { kind: "audit", ref: "Billing" }],
    ["history app_AbCdEfGhIjKl", { kind: "audit", ref: "app_AbCdEfGhIjKl" }],
  ])("%j", (text, expected) => {
    expect(parseAppsCommand(text)).toEqual(expected);
  });

  it.each([
    "frobnicate",
    "list everything",
    "show",
    "show   ",
    "keys",
    "keys revoke",
    "keys revoke <script>",
    "keys rotate Billing",
    "share Billing alice",
    "share <@U123>",
    "share <!subteam^S0SRE|@sre>",
    "share Billing @sre",
    "share Billing &lt;!subteam^S0EVIL|@x&gt;",
    "share Billing <!here>",
    "audit",
    "x".repeat(4000),
  ])("answers usage for %j", (text) => {
    expect(parseAppsCommand(text).kind).toBe("usage");
  });

  it("strips invisible and control characters instead of choking on them", () => {
    expect(parseAppsCommand("\u202e\u200bshow\u0000 Bil\u200bling")).toEqual({ kind: "show", ref: "Bil ling" });
    expect(parseAppsCommand(undefined).kind).toBe("list");
    expect(parseAppsCommand(42).kind).toBe("list");
  });

  it("unescapes Slack's entities once", () => {
    expect(unescapeSlack("a &amp;lt; b &lt;c&gt;")).toBe("a &lt; b <c>");
  });

  it("reads Slack's tokens in app references as the text the user typed", () => {
    expect(parseAppsCommand("show Payouts <@U0ALICE|ops>")).toEqual({ kind: "show", ref: "Payouts @ops" });
    expect(parseAppsCommand("show <http://docs.example.com|docs.example.com> <#C01|general> <!subteam^S1|@sre team> <!here>")).toEqual({
      kind: "show",
      ref: "docs.example.com #general @sre team @here",
    });
    expect(parseAppsCommand('show "<@U0ALICE|ops> app"')).toEqual({ kind: "show", ref: "@ops app" });
  });

  it("never takes text typed to look like a mention for one", () => {
    // Typed literally, "<@U0EVIL>" arrives entity-escaped: it is text, not a mention.
    expect(parseAppsCommand("share Billing &lt;@U0EVIL&gt;").kind).toBe("usage");
    expect(parseAppsCommand("show &lt;!channel&gt; &amp; *x*")).toEqual({ kind: "show", ref: "<!channel> & *x*" });
    expect(parseAppsCommand("share Billing <@U0ALICE|Alice Smith>")).toEqual({
      kind: "share",
      ref: "Billing",
      userId: "U0ALICE",
      remove: false,
    });
  });

  it("shares with the person mentioned only when Slack sends mentions escaped (the manifest's should_escape)", () => {
    const typed = "share Billing <@U0ALICE|alice>";
    expect(parseAppsCommand(commandTextAsSlackSends(typed, true))).toEqual({
      kind: "share",
      ref: "Billing",
      userId: "U0ALICE",
      remove: false,
    });
    // With should_escape off, Slack sends "@alice": there is no user id to share with.
    expect(commandTextAsSlackSends(typed, false)).toBe("share Billing @alice");
    expect(parseAppsCommand(commandTextAsSlackSends(typed, false)).kind).toBe("usage");
  });
});
