import type { App } from "@slack/bolt";
import { z } from "zod";
import type { Services } from "../../../services.js";
import type { TeamSync } from "../../teams/slack/sync.js";
import type { Departures } from "./departures.js";
import { reportOrphans } from "./report.js";

const userChange = z.object({
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,}$/), team_id: z.string().optional(), deleted: z.boolean().optional() }),
});

/**
 * user_change: a deactivated account (deleted: true) is offboarded; a reactivated one is no
 * longer treated as gone, and the teams are re-read so its memberships count again. Retried
 * deliveries are harmless: a departure is handled once.
 */
export function registerUserEvents(app: App, s: Services, departures: Departures, teams: TeamSync): void {
  app.event("user_change", async ({ event, body }) => {
    const parsed = userChange.safeParse(event);
    if (!parsed.success) return;
    const { user } = parsed.data;
    const teamId = user.team_id ?? (body as { team_id?: string }).team_id ?? "";
    try {
      if (user.deleted) {
        const res = await departures.departed(user.id, teamId, "event");
        await reportOrphans(
          s,
          app.client,
          res.orphans.map((o) => ({ ...o, why: `its last owner <@${o.lastOwner}> left` })),
        );
      } else if (await s.offboarding.isDeparted(user.id)) {
        if (await s.offboarding.reactivated(user.id)) {
          s.logger.info({ userId: user.id }, "offboarded user reactivated");
          const res = await teams.refreshAll();
          await reportOrphans(s, app.client, res.orphans);
        }
      }
    } catch (err) {
      s.logger.error({ err, userId: user.id }, "handling user_change failed; the daily reconcile catches up");
    }
  });
}
