import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import type { Services } from "../../../services.js";
import { APP_ID_PATTERN } from "../../apps/service.js";
import { publishCredentialChange } from "../../credentials/notify.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import { DomainError } from "../../../shared/errors.js";
import { replyToAction } from "../../../platform/slack/reply.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { ACT } from "../../../platform/slack/ids.js";
import { actorOf } from "../../../platform/slack/actor.js";

const appId = z.string().regex(APP_ID_PATTERN);

/** The admins' "Take over" and "Archive" buttons on the report of apps left without owner. */
export function registerOrphanActions(app: App, s: Services): void {
  app.action<BlockAction<ButtonAction>>(ACT.orphanTakeOver, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    let text: string;
    try {
      const ref = appId.safeParse(action.value);
      if (!ref.success) throw new DomainError("owners.stale_button", {});
      const taken = await s.offboarding.takeOver(actor, ref.data);
      s.bus.emit("app.changed", taken.id);
      text = `:white_check_mark: You now own *${mrkdwnEscape(taken.title)}* (\`${taken.publicId}\`). Share it with \`/apps share ${taken.publicId} @person\` or \`@team\`.`;
    } catch (err) {
      text = errorText(describeError(err, s.logger, "taking over an app"));
    }
    await replyToAction(s, body, respond, client, text, "App without owner");
  });

  app.action<BlockAction<ButtonAction>>(ACT.orphanArchive, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    let text: string;
    try {
      const ref = appId.safeParse(action.value);
      if (!ref.success) throw new DomainError("owners.stale_button", {});
      const target = await s.offboarding.orphanByPublicId(actor, ref.data);
      const { app: archived, revoked } = await s.apps.archive(actor, target.id);
      for (const c of revoked) await publishCredentialChange(s.db, { sharedKey: c.sharedKey, credentialId: c.id }).catch(() => {});
      s.bus.emit("app.changed", archived.id);
      text = `:file_cabinet: *${mrkdwnEscape(archived.title)}* (\`${archived.publicId}\`) is archived; ${revoked.length} key(s) revoked.`;
    } catch (err) {
      text = errorText(describeError(err, s.logger, "archiving an app without owner"));
    }
    await replyToAction(s, body, respond, client, text, "App without owner");
  });
}
