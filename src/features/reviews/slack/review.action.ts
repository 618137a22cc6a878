import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import type { Services } from "../../../services.js";
import { publishCredentialChange } from "../../credentials/notify.js";
import { DomainError } from "../../../shared/errors.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { ACT } from "../../../platform/slack/ids.js";
import { actorOf } from "../../../platform/slack/actor.js";
import { replyToAction } from "../../../platform/slack/reply.js";
import { ReviewService, type Decision } from "../service.js";
import { reviewMessage } from "./blocks.js";

const uuid = z.string().uuid();
const value = z
  .string()
  .max(200)
  .transform((v) => v.split(" "))
  .pipe(z.union([z.tuple([uuid, z.string().max(60), z.string().regex(/^cred_[0-9A-Za-z]{6,40}$/)]), z.tuple([uuid, z.string().max(60)])]));

/**
 * Keep / Revoke (per key or all) in an access review DM. The answer is checked in its transaction
 * (review open, actor an owner now, key not answered yet); the message is redrawn from the
 * database, so a second click, another owner's answer or a closed review all show as they are.
 */
export function registerReviewActions(app: App, s: Services): void {
  const reviews = new ReviewService(s.db.prisma);
  const handle = (decision: Decision) =>
    (async ({ ack, action, respond, context, body, client }) => {
      await ack();
      const who = actorOf(context);
      const actor = s.actor(who.userId, who.teamId);
      const parsed = value.safeParse(action.value ?? "");
      try {
        if (!parsed.success) throw new DomainError("owners.stale_button", {});
        const [reviewId, appId, credentialId] = parsed.data;
        const res = await reviews.answer(actor, { reviewId, appId, credentialId, decision }, s.clock());
        for (const k of res.revoked) await publishCredentialChange(s.db, { sharedKey: k.sharedKey, credentialId: k.id }).catch(() => {});
        if (res.revoked.length) s.bus.emit("app.changed", appId);
        // The review DM is redrawn in place; a click from anywhere else (no response_url) is
        // answered where it came from instead.
        const content = body.response_url ? await reviews.content(reviewId, appId) : null;
        if (content) await respond({ replace_original: true, ...reviewMessage(content) } as never);
        else if (!body.response_url)
          await replyToAction(s, body, respond, client, ":white_check_mark: Your answer is recorded.", "Access review");
      } catch (err) {
        await replyToAction(
          s,
          body,
          respond,
          client,
          errorText(describeError(err, s.logger, "answering an access review")),
          "Access review",
        );
      }
    }) satisfies Parameters<typeof app.action<BlockAction<ButtonAction>>>[1];
  app.action<BlockAction<ButtonAction>>(ACT.reviewKeep, handle("keep"));
  app.action<BlockAction<ButtonAction>>(ACT.reviewRevoke, handle("revoke"));
  app.action<BlockAction<ButtonAction>>(ACT.reviewKeepAll, handle("keep"));
  app.action<BlockAction<ButtonAction>>(ACT.reviewRevokeAll, handle("revoke"));
}
