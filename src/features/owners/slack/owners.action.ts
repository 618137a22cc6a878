import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import { z } from "zod";
import { DomainError } from "../../../shared/errors.js";
import { USER_ID_PATTERN } from "../service.js";
import type { Services } from "../../../services.js";
import { APP_ID_PATTERN } from "../../apps/service.js";
import { removedText, teamRemovedText, type OwnersMeta } from "./blocks.js";
import { GROUP_ID_PATTERN } from "../../teams/service.js";
import { listGroups } from "../../teams/slack/directory.js";
import { option } from "../../../platform/slack/blocks.js";
import { truncate } from "../../../shared/text.js";
import { replyToAction } from "../../../platform/slack/reply.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { describeError, errorText } from "../../../platform/slack/errors.js";
import { ACT } from "../../../platform/slack/ids.js";
import type { OwnerFlows } from "./flows.js";
import { parseOwnersMeta } from "./owners.view.js";
import { actorOf } from "../../../platform/slack/actor.js";

const removeValue = z
  .string()
  .max(200)
  .transform((v) => v.split(" "))
  .pipe(z.tuple([z.string().regex(APP_ID_PATTERN), z.string().regex(USER_ID_PATTERN)]));

const teamRemoveValue = z
  .string()
  .max(200)
  .transform((v) => v.split(" "))
  .pipe(z.tuple([z.string().regex(APP_ID_PATTERN), z.string().regex(GROUP_ID_PATTERN)]));

export function registerOwnerActions(app: App, s: Services, flows: OwnerFlows): void {
  /** The outcome of a click: in the owners modal it came from (redrawn), else where it came from. */
  const showNotice = async (
    actor: ReturnType<Services["actor"]>,
    body: BlockAction<ButtonAction>,
    respond: RespondFn,
    client: App["client"],
    notice: string,
  ): Promise<void> => {
    const meta = body.view ? parseOwnersMeta(body.view.private_metadata) : undefined;
    if (body.view && meta) {
      try {
        await client.views.update({ view_id: body.view.id, view: await flows.modalFor(actor, meta, notice) });
      } catch (err) {
        s.logger.warn({ slackError: slackCode(err) }, "could not update the owners modal");
      }
      await flows.refreshDetails(actor, meta);
      return;
    }
    await replyToAction(s, body, respond, client, notice, "App owners");
  };

  // "Manage owners" in the app details (a message or a modal). Authorization is checked here,
  // not only when the button was drawn.
  app.action<BlockAction<ButtonAction>>(ACT.owners, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    try {
      const target = await s.apps.resolveApp(actor, action.value ?? "");
      if (body.view) {
        const meta: OwnersMeta = { a: target.publicId, d: body.view.id };
        await client.views.push({ trigger_id: body.trigger_id, view: await flows.modal(target, meta) });
      } else {
        await client.views.open({ trigger_id: body.trigger_id, view: await flows.modal(target, { a: target.publicId }) });
      }
    } catch (err) {
      await replyToAction(s, body, respond, client, errorText(describeError(err, s.logger, "opening the owners of an app")), "App owners");
    }
  });

  // "Remove" next to a co-owner (behind a confirmation). Forged values and strangers are refused
  // by the domain, which checks the actor again inside the transaction.
  app.action<BlockAction<ButtonAction>>(ACT.ownerRemove, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    const parsed = removeValue.safeParse(action.value ?? "");
    let notice: string;
    try {
      if (!parsed.success) throw new DomainError("owners.stale_button", {});
      const [publicId, userId] = parsed.data;
      const target = await s.apps.resolveApp(actor, publicId);
      await flows.remove(actor, target, userId);
      notice = removedText(target, userId);
    } catch (err) {
      notice = errorText(describeError(err, s.logger, "removing a co-owner"));
    }
    await showNotice(actor, body, respond, client, notice);
  });

  // "Remove" next to an owning team (behind a confirmation).
  app.action<BlockAction<ButtonAction>>(ACT.teamRemove, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    const parsed = teamRemoveValue.safeParse(action.value ?? "");
    let notice: string;
    try {
      if (!parsed.success) throw new DomainError("owners.stale_button", {});
      const [publicId, groupId] = parsed.data;
      const target = await s.apps.resolveApp(actor, publicId);
      const { handle } = await flows.teams.unshare(actor, target, groupId);
      notice = teamRemovedText(target, handle);
    } catch (err) {
      notice = errorText(describeError(err, s.logger, "removing a team"));
    }
    await showNotice(actor, body, respond, client, notice);
  });

  // The team picker's type-ahead: the workspace's live user groups (usergroups.list).
  app.options(ACT.teamAdd, async ({ ack, options, client }) => {
    const query = (typeof options.value === "string" ? options.value : "").trim().replace(/^@/, "").toLowerCase().slice(0, 100);
    try {
      const groups = [...(await listGroups(client)).values()]
        .filter((g) => !g.removed && (g.handle.toLowerCase().includes(query) || g.name.toLowerCase().includes(query)))
        .sort((a, b) => a.handle.localeCompare(b.handle))
        .slice(0, 100);
      await ack({ options: groups.map((g) => option(truncate(`@${g.handle}${g.name ? ` (${g.name})` : ""}`, 75), g.id)) } as never);
    } catch (err) {
      s.logger.warn({ slackError: slackCode(err) }, "could not list user groups for the team picker");
      await ack({ options: [] } as never);
    }
  });
}
