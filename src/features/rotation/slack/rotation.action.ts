import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { loadSnoozeTarget } from "../service.js";
import type { Services } from "../../../services.js";
import { snoozeModal } from "./snooze.blocks.js";
import { openOrExplain } from "../../credentials/slack/dialogs.js";
import { ACT } from "../../../platform/slack/ids.js";
import { actorOf } from "../../../platform/slack/actor.js";

/** "Snooze" on a rotation reminder opens the Snooze dialog (authorised again on submit). */
export function registerRotationActions(app: App, s: Services): void {
  app.action<BlockAction<ButtonAction>>(ACT.snooze, async ({ ack, body, action, client, context }) => {
    await ack();
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    await openOrExplain(s, client, body.trigger_id, who.userId, async () =>
      snoozeModal(await loadSnoozeTarget(s.db.prisma, actor, action.value ?? ""), s.clock()),
    );
  });
}
