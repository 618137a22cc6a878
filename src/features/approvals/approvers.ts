import type { Config } from "../../config.js";
import type { Logger } from "../../logger.js";
import { slackApiError } from "../../platform/slack/slack-error.js";

/**
 * Reads a user group's members: the one call this needs from Slack's Web API (usergroups.users.list,
 * scope usergroups:read). The Slack client passed by a listener fits it as it is; the domain does not
 * depend on Slack's types.
 */
export interface GroupReader {
  usergroups: { users: { list(args: { usergroup: string }): Promise<{ users?: string[] }> } };
}

/**
 * Who may approve production requests: APPROVER_USER_IDS plus the members of the Slack user
 * group APPROVER_GROUP_ID (read with usergroups:read, cached for a minute).
 */
export class ApproverDirectory {
  private cache: { at: number; members: Set<string> } | undefined;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
  ) {}

  async list(client: GroupReader): Promise<string[]> {
    const ids = new Set(this.config.APPROVER_USER_IDS);
    for (const m of await this.groupMembers(client)) ids.add(m);
    return [...ids];
  }

  async isApprover(client: GroupReader, userId: string): Promise<boolean> {
    if (this.config.APPROVER_USER_IDS.includes(userId)) return true;
    return (await this.groupMembers(client)).has(userId);
  }

  private async groupMembers(client: GroupReader): Promise<Set<string>> {
    const group = this.config.APPROVER_GROUP_ID;
    if (!group) return new Set();
    const now = Date.now();
    if (this.cache && now - this.cache.at < this.ttlMs) return this.cache.members;
    try {
      const res = await client.usergroups.users.list({ usergroup: group });
      this.cache = { at: now, members: new Set(res.users ?? []) };
    } catch (err) {
      // Keep the last known members rather than locking every approver out on a Slack hiccup.
      this.logger.warn({ slackError: slackApiError(err), group }, "could not read the approver group");
      if (!this.cache) return new Set();
    }
    return this.cache!.members;
  }
}
