import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { resultModal } from "../../../platform/slack/modals.js";
import { settingsSavedModal } from "./blocks.js";
import { describeError, domainFieldErrors, errorText } from "../../../platform/slack/errors.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { readState } from "../../../platform/slack/view-state.js";
import { actorOf } from "../../../platform/slack/actor.js";

const FIELD_BLOCKS: Record<string, string> = {
  auditChannelId: BLK.settingsAudit,
  rotationChannelId: BLK.settingsRotation,
  rotationDays: BLK.settingsDays,
};

export function registerSettingsViews(app: App, s: Services): void {
  app.view(CB.settings, async ({ ack, view, context }) => {
    const state = readState(view.state.values);
    // Authorised again here: a forged submission from a non-admin changes nothing.
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    try {
      const { changes, settings } = await s.settings.change(actor, {
        auditChannelId: state.conversation(BLK.settingsAudit, ACT.settingsAudit) ?? null,
        rotationChannelId: state.conversation(BLK.settingsRotation, ACT.settingsRotation) ?? null,
        rotationDays: state.text(BLK.settingsDays, ACT.settingsDays),
      });
      if (changes.length) s.logger.info({ userId: actor.userId, changes }, "settings changed");
      await ack({ response_action: "update", view: settingsSavedModal(changes, settings) });
    } catch (err) {
      const fields = domainFieldErrors(err, FIELD_BLOCKS);
      if (fields) return void (await ack(fields));
      await ack({
        response_action: "update",
        view: resultModal("AppKeys settings", errorText(describeError(err, s.logger, "changing settings"))),
      });
    }
  });
}
