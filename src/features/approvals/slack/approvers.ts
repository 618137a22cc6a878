import type { webApi } from "@slack/bolt";
import type { Config } from "../../../config.js";
import type { Logger } from "../../../logger.js";
import { slackApiError } from "../../../platform/slack/slack-error.js";

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

  async list(client: webApi.WebClient): Promise<string[]> {
    const ids = new Set(this.config.APPROVER_USER_IDS);
    for (const m of await this.groupMembers(client)) ids.add(m);
    return [...ids];
  }

  async isApprover(client: webApi.WebClient, userId: string): Promise<boolean> {
    if (this.config.APPROVER_USER_IDS.includes(userId)) return true;
    return (await this.groupMembers(client)).has(userId);
  }

  private async groupMembers(client: webApi.WebClient): Promise<Set<string>> {
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
