import type { AppsCommand } from "./parse.js";

export interface SubcommandArgs {
  userId: string;
  teamId: string;
  triggerId: string;
  /** An ephemeral answer where the command was typed. */
  reply: (text: string, blocks?: unknown[]) => Promise<void>;
}

/** One feature's `/apps` sub-commands: returns true when it handled `cmd`, false when `cmd` is not its own. */
export type SubcommandHandler = (cmd: AppsCommand, args: SubcommandArgs) => Promise<boolean>;

/**
 * The `/apps` router: features add their handlers at start-up (their slack/register.ts), the
 * command listener hands each parsed command to them in order until one takes it.
 */
export class Subcommands {
  private readonly handlers: SubcommandHandler[] = [];

  add(...handlers: SubcommandHandler[]): this {
    this.handlers.push(...handlers);
    return this;
  }

  /** True when a handler took the command. */
  async dispatch(cmd: AppsCommand, args: SubcommandArgs): Promise<boolean> {
    for (const handler of this.handlers) {
      if (await handler(cmd, args)) return true;
    }
    return false;
  }
}
