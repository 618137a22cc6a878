import { describe, expect, it } from "vitest";
import { checkSlackPayload } from "./payload.js";

const user = { id: "U123ABC", username: "a", team_id: "T0001" };
const team = { id: "T0001", domain: "acme" };
const view = { id: "V0001ABC", type: "modal", callback_id: "app_archive", private_metadata: "{}", state: { values: {} } };
const button = { type: "button", action_id: "app_details", block_id: "b1", value: "A1B2C3", action_ts: "1.0" };
const command = {
  command: "/apps",
  text: "show X",
  user_id: "U123ABC",
  team_id: "T0001",
  channel_id: "C0GENERAL",
  trigger_id: "1.2.abc",
  response_url: "https://hooks.slack.com/commands/T1/2/x",
};
const envelope = (event: unknown) => ({ type: "event_callback", team_id: "T0001", event_id: "Ev1", event });

describe("checkSlackPayload", () => {
  it("passes the payloads AppKeys handles, in Slack's shape", () => {
    const ok = [
      command,
      { type: "block_actions", user, team, trigger_id: "1", response_url: "https://x.test/r", actions: [button] },
      { type: "block_actions", user, team: null, view, actions: [{ ...button, value: undefined }] },
      { type: "view_submission", user, team, view },
      { type: "view_closed", user, team, view, is_cleared: false },
      { type: "block_suggestion", user, team, action_id: "endpoints_select", block_id: "endpoints", value: "pay", view },
      envelope({ type: "app_home_opened", user: "U123ABC", tab: "home", channel: "D1ABC", view: { id: "V1ABC" } }),
      envelope({ type: "user_change", user: { id: "U123ABC", name: "x" } }),
    ];
    for (const p of ok) expect(checkSlackPayload(p), JSON.stringify(p)).toMatchObject({ kind: "ok" });
  });

  it("refuses the shapes that crashed Bolt or a listener, naming the field but not its value", () => {
    const bad: Array<[unknown, string]> = [
      [{ type: "block_actions", user, team, actions: [{ ...button, value: 12345 }] }, "actions.0.value"],
      [{ type: "block_actions", user, team, actions: [{ ...button, action_id: 42 }] }, "actions.0.action_id"],
      [{ type: "block_actions", team, actions: [button] }, "user"],
      [{ type: "block_actions", user: { id: "" }, team, actions: [button] }, "user.id"],
      [{ type: "block_actions", user: { id: "U1X" }, team: null, actions: [button] }, "team"],
      [{ type: "block_actions", user, team, channel: null, actions: [button] }, "channel"],
      [{ type: "block_actions", user, team, actions: [] }, "actions"],
      [{ type: "view_submission", user, team }, "view"],
      [{ type: "view_submission", user, team, view: { ...view, id: 7 } }, "view.id"],
      [{ type: "view_submission", user, team, view: { ...view, private_metadata: "x".repeat(3001) } }, "view.private_metadata"],
      [{ ...command, user_id: ["U1", "U2"] }, "user_id"],
      [{ ...command, response_url: "javascript:alert(1)" }, "response_url"],
      [envelope({ type: "app_home_opened", user: "", tab: "home" }), "event.user"],
      [envelope({ type: "app_home_opened", tab: "home" }), "event.user"],
      [envelope(null), "event"],
      [envelope({ type: "reaction_added", item: null }), "event.item"],
    ];
    for (const [p, path] of bad) {
      const r = checkSlackPayload(p);
      expect(r.kind, JSON.stringify(p).slice(0, 200)).toBe("malformed");
      if (r.kind !== "malformed") continue;
      expect(r.problems.join(" "), JSON.stringify(p).slice(0, 200)).toContain(path);
      expect(r.problems.join(" ")).not.toContain("12345");
    }
  });

  it("tells what nothing handles from what is malformed", () => {
    expect(checkSlackPayload({})).toEqual({ kind: "unhandled", type: "unknown" });
    expect(checkSlackPayload({ type: "event_callback", team_id: "T0001" })).toEqual({ kind: "unhandled", type: "event_callback" });
    expect(checkSlackPayload({ type: "<script>" })).toEqual({ kind: "unhandled", type: "unknown" });
    expect(checkSlackPayload(null)).toMatchObject({ kind: "malformed" });
    expect(checkSlackPayload([1])).toMatchObject({ kind: "malformed" });
  });

  it("reads app_rate_limited's team and minute, whatever else it holds", () => {
    expect(checkSlackPayload({ type: "app_rate_limited", team_id: "T0001", minute_rate_limited: 1518467820 })).toEqual({
      kind: "rate_limited",
      teamId: "T0001",
      minute: new Date("2018-02-12T20:37:00Z"),
    });
    expect(checkSlackPayload({ type: "app_rate_limited", team_id: 5, minute_rate_limited: 1e300 })).toEqual({
      kind: "rate_limited",
      teamId: undefined,
      minute: undefined,
    });
  });
});
