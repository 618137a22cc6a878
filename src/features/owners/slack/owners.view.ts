import type { App } from "@slack/bolt";
import { z } from "zod";
import { APP_ID_PATTERN } from "../../apps/service.js";
import type { Services } from "../../../services.js";
import { addedText, ownersGoneModal, teamAddedText, type OwnersMeta } from "./blocks.js";
import { GROUP_ID_PATTERN } from "../../teams/service.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { describeError, errorText, fieldErrorsAck } from "../../../platform/slack/errors.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import type { OwnerFlows } from "./flows.js";
import { readState } from "../../../platform/slack/view-state.js";
import { actorOf } from "../../../platform/slack/actor.js";

const metaSchema = z.object({ a: z.string().regex(APP_ID_PATTERN), d: z.string().max(50).optional() });

export function parseOwnersMeta(raw: string | undefined): OwnersMeta | undefined {
  try {
    const parsed = metaSchema.safeParse(JSON.parse(raw ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Field errors are plain text: mentions would show as raw ids there. */
function plainText(s: string): string {
  return s.replace(/<@[UW][A-Z0-9]+>/g, "That person").slice(0, 2000);
}

export function registerOwnerViews(app: App, s: Services, flows: OwnerFlows): void {
  // "Add co-owner": checks that need only the database answer in the ack (as field errors);
  // Slack is asked about the person after the ack, and the modal shows the outcome.
  app.view(CB.owners, async ({ ack, view, client, context }) => {
    const meta = parseOwnersMeta(view.private_metadata);
    if (!meta) {
      await ack({ response_action: "update", view: ownersGoneModal("This form is out of date. Open the app's owners again.") });
      return;
    }
    const state = readState(view.state.values);
    const userId = state.user(BLK.ownerAdd, ACT.ownerAdd);
    // Both inputs are optional (a person or a team); one of them is required here.
    const team = state.selected(BLK.teamAdd, ACT.teamAdd);
    if (!userId && !team) {
      await ack(fieldErrorsAck({ [BLK.ownerAdd]: "Pick a person to add (or a team below)." }));
      return;
    }
    if (userId && team) {
      await ack(fieldErrorsAck({ [BLK.teamAdd]: "Add a person or a team, one at a time." }));
      return;
    }
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    if (team) {
      if (!GROUP_ID_PATTERN.test(team)) {
        await ack(fieldErrorsAck({ [BLK.teamAdd]: "Pick a team from the list." }));
        return;
      }
      let app: Awaited<ReturnType<typeof s.apps.resolveApp>>;
      try {
        app = await s.apps.resolveApp(actor, meta.a);
      } catch (err) {
        const e = describeError(err, s.logger, "adding a team");
        await ack(fieldErrorsAck({ [BLK.teamAdd]: plainText(e.text) }));
        return;
      }
      await ack({ response_action: "update", view: await flows.modal(app, meta, ":hourglass_flowing_sand: Adding the team…") });
      let notice: string;
      try {
        const added = await flows.teams.share(actor, app, team, "");
        notice = teamAddedText(app, added.handle, added.members);
      } catch (err) {
        notice = errorText(describeError(err, s.logger, "adding a team"));
      }
      await client.views
        .update({ view_id: view.id, view: await flows.modalFor(actor, meta, notice) })
        .catch((err: unknown) => s.logger.warn({ slackError: slackCode(err) }, "could not update the owners modal"));
      await flows.refreshDetails(actor, meta);
      return;
    }
    if (!userId) return void (await ack()); // unreachable: one of the two was picked
    let target: Awaited<ReturnType<typeof s.apps.resolveApp>>;
    try {
      target = await s.apps.resolveApp(actor, meta.a);
      flows.owners.precheckAdd(actor, target, userId);
    } catch (err) {
      const e = describeError(err, s.logger, "adding a co-owner");
      await ack(fieldErrorsAck({ [BLK.ownerAdd]: plainText(`${e.text}${e.requestId ? ` (request ${e.requestId})` : ""}`) }));
      return;
    }
    await ack({
      response_action: "update",
      view: await flows.modal(target, meta, `:hourglass_flowing_sand: Adding <@${userId}>…`),
    });
    let notice: string;
    try {
      await flows.add(actor, target, userId);
      notice = `${addedText(target, userId)} I've let them know.`;
    } catch (err) {
      notice = errorText(describeError(err, s.logger, "adding a co-owner"));
    }
    try {
      await client.views.update({ view_id: view.id, view: await flows.modalFor(actor, meta, notice) });
    } catch (err) {
      s.logger.warn({ slackError: slackCode(err) }, "could not update the owners modal");
    }
    await flows.refreshDetails(actor, meta);
  });
}
