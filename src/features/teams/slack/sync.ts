import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import type { Actor } from "../../apps/access.js";
import { DomainError } from "../../../shared/errors.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import type { AppRef, MembershipResult } from "../service.js";
import { listGroups, readGroup, type GroupInfo } from "./directory.js";

export interface RefreshAllResult {
  groups: number;
  changed: number;
  removed: number;
  failed: number;
  /** Apps left without any owner because their team was removed. */
  orphans: Array<AppRef & { why: string }>;
}

/**
 * Team ownership as Slack sees it: reads user groups (usergroups.list, usergroups.users.list),
 * hands the answers to the TeamService, and tells the rest of the app what changed ("app.changed"
 * for owners' Home tabs, "owner.removed" for people who lost an app).
 */
export class TeamSync {
  constructor(
    private readonly s: Services,
    private readonly client: webApi.WebClient,
  ) {}

  /** `/apps share <app> @team` and the owners modal: the group's members are read first. */
  async share(actor: Actor, app: { id: string }, groupId: string, handle: string): Promise<{ handle: string; members: number }> {
    // The handle comes with Slack's token; the modal's picker gives only the id: ask usergroups.list.
    const info = handle ? undefined : await this.groupInfo(groupId);
    const group = await readGroup(this.client, { groupId, teamId: actor.teamId, handle: handle || info?.handle, name: info?.name });
    const res = await this.s.teams.addTeam(actor, app.id, group);
    this.s.logger.info({ appId: res.app.publicId, groupId, members: res.members, by: actor.userId }, "team added as owner");
    this.s.bus.emit("app.changed", app.id);
    return { handle: res.handle, members: res.members };
  }

  async unshare(actor: Actor, app: { id: string }, groupId: string): Promise<{ handle: string }> {
    const res = await this.s.teams.removeTeam(actor, app.id, groupId);
    this.s.logger.info({ appId: res.app.publicId, groupId, by: actor.userId }, "team removed as owner");
    this.announce({ apps: [{ app: res.app, added: [], removed: res.removed }], orphans: [] });
    return { handle: res.handle };
  }

  /**
   * Re-reads one group (an event said it changed). A group Slack no longer knows is treated as
   * removed: it stops owning its apps. A group AppKeys may not read keeps its cached members.
   */
  async refresh(groupId: string, info?: { handle?: string; name?: string }): Promise<{ outcome: string; orphans: AppRef[] }> {
    if (!(await this.s.teams.isKnown(groupId))) return { outcome: "ignored", orphans: [] };
    try {
      const group = await readGroup(this.client, { groupId, teamId: "", handle: info?.handle, name: info?.name });
      this.announce(await this.s.teams.applyMembership(group));
      return { outcome: "updated", orphans: [] };
    } catch (err) {
      if (err instanceof DomainError && err.code === "teams.not_found") return { outcome: "removed", orphans: await this.removed(groupId) };
      const code = err instanceof DomainError ? String((err.params as { slackError?: string }).slackError ?? err.code) : slackCode(err);
      await this.s.teams.recordError(groupId, code);
      this.s.logger.warn({ groupId, slackError: code }, "could not read a team's members; its cached members stay owners");
      return { outcome: "failed", orphans: [] };
    }
  }

  /** The group was deleted or disabled: its apps lose it (and their owners through it). */
  async removed(groupId: string): Promise<AppRef[]> {
    const res = await this.s.teams.markRemoved(groupId);
    if (res.apps.length)
      this.s.logger.warn({ groupId, apps: res.apps.length, orphans: res.orphans.length }, "a team owning apps was removed in Slack");
    this.announce(res);
    return res.orphans;
  }

  /** The daily refresh: every group owning a live app, read once. */
  async refreshAll(): Promise<RefreshAllResult> {
    const groups = await this.s.teams.groupsToRefresh();
    const result: RefreshAllResult = { groups: groups.length, changed: 0, removed: 0, failed: 0, orphans: [] };
    if (groups.length === 0) return result;
    let infos: Map<string, GroupInfo> | undefined;
    try {
      infos = await listGroups(this.client);
    } catch (err) {
      this.s.logger.warn({ slackError: slackCode(err) }, "usergroups.list failed; reading each team's members anyway");
    }
    for (const g of groups) {
      const info = infos?.get(g.id);
      if (info?.removed) {
        result.removed += 1;
        for (const o of await this.removed(g.id))
          result.orphans.push({ ...o, why: `its team ${teamLabel(info.handle, g.id)} was removed in Slack` });
        continue;
      }
      const r = await this.refresh(g.id, info ? { handle: info.handle, name: info.name } : undefined);
      if (r.outcome === "updated") result.changed += 1;
      if (r.outcome === "failed") result.failed += 1;
      if (r.outcome === "removed") {
        result.removed += 1;
        for (const o of r.orphans) result.orphans.push({ ...o, why: `its team ${teamLabel(g.handle, g.id)} was removed in Slack` });
      }
    }
    return result;
  }

  private async groupInfo(groupId: string): Promise<GroupInfo | undefined> {
    try {
      return (await listGroups(this.client)).get(groupId);
    } catch {
      return undefined; // the handle is cosmetic; reading the members says whether the group exists
    }
  }

  private announce(res: MembershipResult): void {
    for (const a of res.apps) {
      this.s.bus.emit("app.changed", a.app.id);
      for (const userId of a.removed) this.s.bus.emit("owner.removed", userId, a.app.teamId);
    }
  }
}

/** A team in mrkdwn: "@handle" (escaped), or its id. */
export function teamLabel(handle: string, groupId: string): string {
  return handle ? `@${mrkdwnEscape(handle)}` : `\`${groupId}\``;
}
