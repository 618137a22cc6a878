import type { App } from "@slack/bolt";
import { z } from "zod";
import { publishCredentialChange } from "../../credentials/notify.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import type { Services } from "../../../services.js";
import { progressModal, resultModal } from "../../../platform/slack/modals.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { CB } from "../../../platform/slack/ids.js";
import { actorOf } from "../../../platform/slack/actor.js";

const meta = z.object({ app: z.string().max(40) });

export function registerArchiveView(app: App, s: Services): void {
  app.view(CB.archive, async ({ ack, view, client, context }) => {
    let ref: string;
    try {
      ref = meta.parse(JSON.parse(view.private_metadata ?? "")).app;
    } catch {
      return void (await ack({ response_action: "update", view: resultModal("Archive app", "This form is out of date.") }));
    }
    await ack({ response_action: "update", view: progressModal("Archive app", "Archiving…") });
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    try {
      // Re-resolved and re-authorised on submit: the modal may be old, the submitter may differ.
      const target = await s.apps.resolveApp(actor, ref);
      const { app: archived, revoked } = await s.apps.archive(actor, target.id);
      for (const c of revoked) await publishCredentialChange(s.db, { sharedKey: c.sharedKey, credentialId: c.id }).catch(() => {});
      s.bus.emit("app.changed", archived.id);
      await client.views.update({
        view_id: view.id,
        view: resultModal("Archive app", `:file_cabinet: *${mrkdwnEscape(archived.title)}* is archived; ${revoked.length} key(s) revoked.`),
      });
    } catch (err) {
      await client.views
        .update({ view_id: view.id, view: resultModal("Archive app", errorText(describeError(err, s.logger, "archiving an app"))) })
        .catch(() => {});
    }
  });
}
