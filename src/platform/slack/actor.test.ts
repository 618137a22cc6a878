import type { Context } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { actorMiddleware, actorOf, extractActor } from "./actor.js";

describe("the request actor", () => {
  it("reads a slash command", () => {
    expect(extractActor({ command: "/apps", text: "", team_id: "T1", user_id: "U1" })).toEqual({ teamId: "T1", userId: "U1" });
  });

  it("reads interactivity payloads: team.id, or user.team_id when team is null (org-wide installs)", () => {
    const action = { type: "block_actions", team: { id: "T1", domain: "x" }, user: { id: "U1", team_id: "T9" } };
    expect(extractActor(action)).toEqual({ teamId: "T1", userId: "U1" });
    const submission = { type: "view_submission", team: null, user: { id: "U2", team_id: "T2" }, view: {} };
    expect(extractActor(submission)).toEqual({ teamId: "T2", userId: "U2" });
    const suggestion = { type: "block_suggestion", team: { id: "T3" }, user: { id: "U3" }, value: "pay" };
    expect(extractActor(suggestion)).toEqual({ teamId: "T3", userId: "U3" });
  });

  it("reads an Events API envelope", () => {
    const envelope = { type: "event_callback", team_id: "T4", event: { type: "app_home_opened", user: "U4", tab: "home" } };
    expect(extractActor(envelope)).toEqual({ teamId: "T4", userId: "U4" });
    expect(extractActor({ team_id: "T5", event: { type: "user_change", user: { id: "U5" } } })).toEqual({ teamId: "T5", userId: "U5" });
  });

  it("gives empty ids, not an exception, for missing or odd fields", () => {
    for (const body of [undefined, null, "text", 7, {}, { team: "T1", user: "U1" }, { team: { id: 3 }, user: { id: null } }]) {
      expect(extractActor(body)).toEqual({ teamId: "", userId: "" });
    }
    expect(extractActor({ team: null, user: { id: "U1" } })).toEqual({ teamId: "", userId: "U1" });
  });

  it("the middleware puts it on the context before the listener runs", async () => {
    const context = { isEnterpriseInstall: false } as Context;
    let seen: unknown;
    const next = async () => {
      seen = actorOf(context);
    };
    const args = { body: { team_id: "T1", user_id: "U1" }, context, next };
    await actorMiddleware(args as unknown as Parameters<typeof actorMiddleware>[0]);
    expect(seen).toEqual({ teamId: "T1", userId: "U1" });
  });

  it("a listener without the middleware fails loudly", () => {
    expect(() => actorOf({ isEnterpriseInstall: false })).toThrow(/actor middleware/);
  });
});
