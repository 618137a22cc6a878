import type { App } from "@slack/bolt";
import { z } from "zod";
import type { Services } from "../../../services.js";
import { reportOrphans } from "../../offboarding/slack/report.js";
import { teamLabel, type TeamSync } from "./sync.js";

const groupId = z.string().regex(/^S[A-Z0-9]{2,}$/);
const membersChanged = z.object({ subteam_id: groupId });
const updated = z.object({
  subteam: z.object({
    id: groupId,
    handle: z.string().max(100).optional(),
    name: z.string().max(200).optional(),
    date_delete: z.coerce.number().optional(),
  }),
});

/**
 * Team membership changes as Slack announces them. Members are re-read rather than taken from the
 * event's deltas, so late, repeated or reordered deliveries all end in Slack's current state.
 * Groups that own no app are ignored.
 */
export function registerTeamEvents(app: App, s: Services, sync: TeamSync): void {
  app.event("subteam_members_changed", async ({ event }) => {
    const parsed = membersChanged.safeParse(event);
    if (!parsed.success) return;
    await sync.refresh(parsed.data.subteam_id).catch((err: unknown) => s.logger.error({ err }, "refreshing a team failed"));
  });

  app.event("subteam_updated", async ({ event }) => {
    const parsed = updated.safeParse(event);
    if (!parsed.success) return;
    const g = parsed.data.subteam;
    try {
      if ((g.date_delete ?? 0) > 0) {
        if (!(await s.teams.isKnown(g.id))) return;
        const orphans = await sync.removed(g.id);
        const why = `its team ${teamLabel(g.handle ?? "", g.id)} was removed in Slack`;
        await reportOrphans(
          s,
          app.client,
          orphans.map((o) => ({ ...o, why })),
        );
        return;
      }
      await sync.refresh(g.id, { handle: g.handle, name: g.name });
    } catch (err) {
      s.logger.error({ err, groupId: g.id }, "handling subteam_updated failed; the daily refresh catches up");
    }
  });
}
