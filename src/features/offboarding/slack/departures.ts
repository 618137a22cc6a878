import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { slackApiError, slackCode } from "../../../platform/slack/slack-error.js";
import type { DepartureSource, OffboardResult } from "../service.js";
import type { Orphan } from "./report.js";

/** users.info answers that say nothing about the person (skip them this time). */
export interface ReconcileResult {
  checked: number;
  departed: number;
  reactivated: number;
  failed: number;
  orphans: Orphan[];
}

/**
 * Departures as Slack reports them: a user_change event, or the daily reconcile asking users.info
 * about every owner AppKeys knows (events can be missed). Each departure is handled once
 * (OffboardingService records it); the caller reports the run's orphans to the admins.
 */
export class Departures {
  constructor(
    private readonly s: Services,
    private readonly client: webApi.WebClient,
  ) {}

  async departed(userId: string, teamId: string, source: DepartureSource): Promise<OffboardResult> {
    const res = await this.s.offboarding.offboard(userId, teamId, source);
    if (res.already) {
      this.s.logger.info({ userId, source }, "departure already handled");
      return res;
    }
    this.s.logger.info(
      {
        userId,
        source,
        apps: res.apps.length,
        orphans: res.orphans.length,
        requestsCancelled: res.requestsCancelled,
        keysFlagged: res.keysFlagged,
      },
      "owner offboarded",
    );
    for (const a of res.apps) this.s.bus.emit("app.changed", a.id);
    return res;
  }

  /** Asks Slack about every known owner (and recent departures, for a missed reactivation). */
  async reconcile(opts: { pageSize?: number; isStopping?: () => boolean } = {}): Promise<ReconcileResult> {
    const result: ReconcileResult = { checked: 0, departed: 0, reactivated: 0, failed: 0, orphans: [] };
    let after = "";
    for (;;) {
      const people = await this.s.offboarding.knownPeople(after, opts.pageSize ?? 200);
      if (people.length === 0) break;
      for (const userId of people) {
        if (opts.isStopping?.()) return result;
        const user = await this.lookUp(userId, result);
        if (!user?.deleted) continue;
        const res = await this.departed(userId, user.teamId, "reconcile");
        if (!res.already) result.departed += 1;
        result.orphans.push(...res.orphans.map((o) => ({ ...o, why: `its last owner <@${o.lastOwner}> left` })));
      }
      after = people[people.length - 1]!;
    }
    for (const userId of await this.s.offboarding.recentlyDeparted(this.s.clock())) {
      const user = await this.lookUp(userId, result);
      if (user && !user.deleted && (await this.s.offboarding.reactivated(userId))) result.reactivated += 1;
    }
    return result;
  }

  private async lookUp(userId: string, result: ReconcileResult): Promise<{ deleted: boolean; teamId: string } | undefined> {
    result.checked += 1;
    try {
      const res = await this.client.users.info({ user: userId });
      return { deleted: res.user?.deleted === true, teamId: res.user?.team_id ?? "" };
    } catch (err) {
      // user_not_found (another workspace, or a typo'd id) is not proof of a departure.
      result.failed += 1;
      this.s.logger.warn({ userId, slackError: slackApiError(err) ?? slackCode(err) }, "users.info failed in the daily reconcile; skipped");
      return undefined;
    }
  }
}
