import type { App } from "@slack/bolt";
import { z } from "zod";
import { snoozeCredential, validateSnooze } from "../service.js";
import type { Services } from "../../../services.js";
import { resultModal } from "../../../platform/slack/modals.js";
import { snoozedModal } from "./snooze.blocks.js";
import { describeError, domainFieldErrors, errorText, fieldErrorsAck } from "../../../platform/slack/errors.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { readState } from "../../../platform/slack/view-state.js";
import { actorOf } from "../../../platform/slack/actor.js";

const snoozeMeta = z.object({ c: z.string().regex(/^cred_[0-9A-Za-z]{6,40}$/) });
const FIELD_BLOCKS: Record<string, string> = { days: BLK.snoozeDays, reason: BLK.snoozeReason };

export function registerSnoozeViews(app: App, s: Services): void {
  app.view(CB.snooze, async ({ ack, view, context }) => {
    let meta: z.infer<typeof snoozeMeta> | undefined;
    try {
      const parsed = snoozeMeta.safeParse(JSON.parse(view.private_metadata || "null"));
      meta = parsed.success ? parsed.data : undefined;
    } catch {
      meta = undefined;
    }
    if (!meta)
      return void (await ack({
        response_action: "update",
        view: resultModal("Snooze reminders", "This form is out of date. Use the Snooze button again."),
      }));
    const state = readState(view.state.values);
    const input = {
      credentialId: meta.c,
      days: state.text(BLK.snoozeDays, ACT.snoozeDays),
      reason: state.text(BLK.snoozeReason, ACT.snoozeReason),
    };
    const { errors } = validateSnooze(input);
    if (Object.keys(errors).length) return void (await ack(fieldErrorsAck(errors, FIELD_BLOCKS)));
    // One short transaction: answer within Slack's 3 seconds with the outcome.
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    try {
      const done = await snoozeCredential(s.db.prisma, s.clock, actor, input);
      await ack({ response_action: "update", view: snoozedModal(done) });
      s.bus.emit("app.changed", done.appId);
    } catch (err) {
      const fields = domainFieldErrors(err, FIELD_BLOCKS);
      if (fields) return void (await ack(fields));
      await ack({
        response_action: "update",
        view: resultModal("Snooze reminders", errorText(describeError(err, s.logger, "snoozing a rotation reminder"))),
      });
    }
  });
}
