import type { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import type { Services } from "../../../services.js";
import { approvalsSubcommand } from "../../approvals/slack/approvals.command.js";
import { keysSubcommand } from "../../credentials/slack/keys.command.js";
import type { OwnerFlows } from "../../owners/slack/flows.js";
import { shareSubcommand } from "../../owners/slack/share.command.js";
import { settingsSubcommand } from "../../settings/slack/settings.command.js";
import { appsSubcommand } from "./apps.command.js";
import { archiveSubcommand } from "./archive.command.js";
import { parseAppsCommand } from "./parse.js";
import { Subcommands, type SubcommandArgs, type SubcommandHandler } from "./subcommands.js";

const args: SubcommandArgs = { userId: "U1", teamId: "T1", triggerId: "tr", reply: async () => {} };

/** Stands in for services, clients and flows: any use of it means the handler took the command. */
function untouchable<T>(): T {
  const get = (_target: object, prop: string | symbol) => {
    if (prop === "then") return undefined; // not a promise
    throw new Error("touched");
  };
  return new Proxy({}, { get }) as T;
}

describe("the /apps router", () => {
  it("hands a command to the first handler that takes it, and to no later one", async () => {
    const seen: string[] = [];
    const handler =
      (name: string, kind: string): SubcommandHandler =>
      async (cmd) => {
        seen.push(name);
        return cmd.kind === kind;
      };
    const router = new Subcommands().add(handler("a", "list"), handler("b", "settings"), handler("c", "settings"));
    expect(await router.dispatch({ kind: "settings" }, args)).toBe(true);
    expect(seen).toEqual(["a", "b"]);
    expect(await router.dispatch({ kind: "approvals" }, args)).toBe(false);
  });

  it("every sub-command the parser knows is taken by exactly one feature's handler", async () => {
    const s = untouchable<Services>();
    const client = untouchable<webApi.WebClient>();
    const handlers: Record<string, SubcommandHandler> = {
      apps: appsSubcommand(s, client),
      archive: archiveSubcommand(s, client),
      keys: keysSubcommand(s, client),
      approvals: approvalsSubcommand(s, client),
      share: shareSubcommand(s, untouchable<OwnerFlows>()),
      settings: settingsSubcommand(s, client),
    };
    const owner: Record<string, string> = {
      "": "apps",
      create: "apps",
      "show Checkout": "apps",
      "archive Checkout": "archive",
      "keys generate Checkout": "keys",
      "keys revoke cred_ABCDEF123": "keys",
      approvals: "approvals",
      "share Checkout <@U2>": "share",
      "unshare Checkout <@U2>": "share",
      settings: "settings",
    };
    for (const [text, expected] of Object.entries(owner)) {
      const cmd = parseAppsCommand(text);
      const takers: string[] = [];
      for (const [name, handler] of Object.entries(handlers)) {
        // A handler that declines returns false without touching anything; the one that takes it uses the services.
        const took = await handler(cmd, args).then(
          (handled) => handled,
          (err: Error) => err.message === "touched",
        );
        if (took) takers.push(name);
      }
      expect({ text, takers }).toEqual({ text, takers: [expected] });
    }
  });
});
