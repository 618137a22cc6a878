import type { webApi } from "@slack/bolt";
import { DomainError } from "../../../shared/errors.js";
import { slackApiError } from "../../../platform/slack/slack-error.js";
import type { GroupSnapshot } from "../service.js";

/** Slack's answers that mean "this group does not exist (any more)". */
const NOT_FOUND = new Set(["no_such_subteam", "subteam_not_found", "invalid_usergroup"]);
/** Answers that mean "AppKeys may not read it": a person must change the app's scopes or settings. */
const UNREADABLE = new Set(["missing_scope", "not_allowed_token_type", "no_permission", "permission_denied", "access_denied"]);

export interface GroupInfo {
  id: string;
  handle: string;
  name: string;
  /** Slack's date_delete: non-zero when the group is disabled. */
  removed: boolean;
}

/**
 * Reads a user group's members from Slack (usergroups.users.list, scope usergroups:read).
 * Disabled groups are not read (Slack answers no_such_subteam without include_disabled), so a
 * group removed in Slack reads as not found. Throws DomainError teams.not_found or
 * teams.unreadable for those answers, anything else (network, rate limit) as it came.
 */
export async function readGroup(
  client: webApi.WebClient,
  p: { groupId: string; teamId: string; handle?: string; name?: string },
): Promise<GroupSnapshot> {
  try {
    const res = await client.usergroups.users.list({ usergroup: p.groupId });
    return { groupId: p.groupId, teamId: p.teamId, handle: p.handle ?? "", name: p.name, members: res.users ?? [] };
  } catch (err) {
    const code = slackApiError(err);
    if (code && NOT_FOUND.has(code)) throw new DomainError("teams.not_found", { groupId: p.groupId });
    if (code && UNREADABLE.has(code)) throw new DomainError("teams.unreadable", { groupId: p.groupId, slackError: code });
    throw err;
  }
}

/** Every user group of the workspace, disabled ones included (usergroups.list), by id. */
export async function listGroups(client: webApi.WebClient): Promise<Map<string, GroupInfo>> {
  const res = await client.usergroups.list({ include_disabled: true, include_count: false, include_users: false });
  const out = new Map<string, GroupInfo>();
  for (const g of res.usergroups ?? []) {
    if (!g.id) continue;
    out.set(g.id, { id: g.id, handle: g.handle ?? "", name: g.name ?? "", removed: Number(g.date_delete ?? 0) > 0 });
  }
  return out;
}
