/** auth.test, users.info, usergroups.list, usergroups.users.list and conversations.open: who is who. */
import { isObject } from "./check.js";
import type { ApiAnswer, JsonObject, StandInContext, StandInUser } from "./types.js";

export class Directory {
  /** users.info data, by user id. */
  users: Record<string, StandInUser> = {};
  /** usergroups.users.list data: usergroup id -> user ids. */
  usergroups: Record<string, string[]> = {};
  /**
   * usergroups.list data by usergroup id (handle, name; date_delete > 0 = disabled). A disabled
   * group's members are not readable without include_disabled, as on Slack.
   */
  usergroupInfo: Record<string, { handle: string; name: string; date_delete?: number }> = {};

  constructor(private readonly ctx: StandInContext) {}

  addUser(id: string, fields: JsonObject = {}): StandInUser {
    const given = isObject(fields.profile) ? fields.profile : {};
    const name = typeof fields.name === "string" ? fields.name : `user_${id.toLowerCase()}`;
    const realName = String(fields.real_name ?? given.real_name ?? name);
    const user: StandInUser = {
      id,
      team_id: this.ctx.teamId,
      name,
      deleted: false,
      real_name: realName,
      tz: "Europe/Berlin",
      tz_label: "Central European Time",
      tz_offset: 3600,
      is_admin: false,
      is_owner: false,
      is_bot: false,
      is_app_user: false,
      updated: 1700000000,
      ...fields,
      profile: {
        real_name: realName,
        display_name: name,
        email: `${name}@example.com`,
        ...given,
      },
    };
    this.users[id] = user;
    return user;
  }

  authTest(): ApiAnswer {
    const { ctx } = this;
    return {
      ok: true,
      url: `https://${ctx.teamDomain}.slack.com/`,
      team: "AppKeys Test",
      user: "appkeys",
      team_id: ctx.teamId,
      user_id: ctx.botUserId,
      bot_id: ctx.botId,
      is_enterprise_install: false,
    };
  }

  userInfo(args: JsonObject): ApiAnswer {
    const user = this.users[String(args.user ?? "")];
    return user ? { ok: true, user: { ...user } } : { ok: false, error: "user_not_found" };
  }

  usergroupMembers(args: JsonObject): ApiAnswer {
    const id = String(args.usergroup ?? "");
    const members = this.usergroups[id];
    const disabled = (this.usergroupInfo[id]?.date_delete ?? 0) > 0 && !isTrue(args.include_disabled);
    return members && !disabled ? { ok: true, users: [...members] } : { ok: false, error: "no_such_subteam" };
  }

  usergroupsList(args: JsonObject): ApiAnswer {
    const ids = [...new Set([...Object.keys(this.usergroups), ...Object.keys(this.usergroupInfo)])].sort();
    const usergroups = ids
      .map((id) => {
        const info = this.usergroupInfo[id] ?? { handle: id.toLowerCase(), name: id };
        return {
          id,
          team_id: this.ctx.teamId,
          is_usergroup: true,
          handle: info.handle,
          name: info.name,
          date_delete: info.date_delete ?? 0,
          ...(isTrue(args.include_users) ? { users: [...(this.usergroups[id] ?? [])] } : {}),
        };
      })
      .filter((g) => g.date_delete === 0 || isTrue(args.include_disabled));
    return { ok: true, usergroups };
  }

  openConversation(args: JsonObject): ApiAnswer {
    const users = String(args.users ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (args.channel) return { ok: true, channel: { id: String(args.channel) } };
    if (users.length === 0) return { ok: false, error: "users_list_not_supplied" };
    if (users.length > 8) return { ok: false, error: "too_many_users" };
    const id = users.length === 1 ? `D${users[0]}` : `G${users.sort().join("")}`.slice(0, 20);
    return { ok: true, no_op: false, already_open: false, channel: { id } };
  }
}

/** Form-encoded booleans arrive as "true"/"1". */
function isTrue(v: unknown): boolean {
  return v === true || v === "true" || v === "1" || v === 1;
}
