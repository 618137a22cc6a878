import type { App } from "@slack/bolt";
import { z } from "zod";
import { publishCredentialChange } from "../../credentials/notify.js";
import { ENVIRONMENTS } from "../../credentials/key-format.js";
import type { Services } from "../../../services.js";
import { endpointsModal, type DraftApp } from "./create.blocks.js";
import { errorModal, progressModal } from "../../../platform/slack/modals.js";
import { revealNewKey } from "../../credentials/slack/deliver.js";
import { notifyApprovers } from "../../approvals/slack/notify.js";
import { requestSentModal } from "../../approvals/slack/blocks.js";
import { describeError, fieldErrorsAck } from "../../../platform/slack/errors.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { readState } from "../../../platform/slack/view-state.js";
import { actorOf } from "../../../platform/slack/actor.js";

const FIELD_BLOCKS: Record<string, string> = { title: BLK.title, description: BLK.description, endpoints: BLK.endpoints };
const draftSchema = z.object({ t: z.string().max(200), d: z.string().max(2000) });

export function registerCreateAppViews(app: App, s: Services): void {
  // Step 1 → validate title/description, then swap the modal for the endpoint step.
  app.view(CB.createDetails, async ({ ack, view, context }) => {
    const state = readState(view.state.values);
    const draft: DraftApp = { title: state.text(BLK.title, ACT.title), description: state.text(BLK.description, ACT.description) };
    const who = actorOf(context);
    const actor = s.actor(who.userId, who.teamId);
    let errors: Record<string, string>;
    try {
      errors = await s.apps.validateNewApp(actor, draft);
    } catch (err) {
      const e = describeError(err, s.logger, "validating a new app");
      await ack(fieldErrorsAck({ title: `${e.text}${e.requestId ? ` (request ${e.requestId})` : ""}` }, FIELD_BLOCKS));
      return;
    }
    if (Object.keys(errors).length) {
      await ack(fieldErrorsAck(errors, FIELD_BLOCKS));
      return;
    }
    await ack({ response_action: "update", view: endpointsModal(draft, s.endpoints.apis()) });
  });

  // Step 2 → create app + endpoints + first key in one transaction, then reveal the key once.
  app.view(CB.createEndpoints, async ({ ack, view, client, context }) => {
    const state = readState(view.state.values);
    const meta = draftSchema.safeParse(safeJson(view.private_metadata));
    const endpointIds = state.multi(BLK.endpoints, ACT.endpoints);
    const environment = z
      .enum(ENVIRONMENTS)
      .catch("development")
      .parse(state.selected(BLK.environment, ACT.environment) ?? "development");
    if (!meta.success) {
      await ack({
        response_action: "update",
        view: errorModal("New App", "This form is out of date. Please start again with `/apps create`."),
      });
      return;
    }
    if (endpointIds.length === 0) {
      await ack(fieldErrorsAck({ endpoints: "Select at least one API endpoint." }, FIELD_BLOCKS));
      return;
    }
    const unknown = endpointIds.filter((id) => !s.endpoints.get(id));
    if (unknown.length) {
      await ack(
        fieldErrorsAck({ endpoints: "Some selected endpoints are no longer in the catalog. Remove them and select again." }, FIELD_BLOCKS),
      );
      return;
    }
    await ack({ response_action: "update", view: progressModal("New App", "Creating your app and generating its keys…") });

    const { userId, teamId } = actorOf(context);
    const actor = s.actor(userId, teamId);
    try {
      const needsApproval = environment === "production" && !(await s.approvers.isApprover(client, userId));
      const created = await s.apps.createApp(actor, {
        title: meta.data.t,
        description: meta.data.d,
        endpointIds,
        environment,
        needsApproval,
      });
      s.logger.info({ appId: created.app.publicId, credentialId: created.issued?.credential.id, userId }, "app created");
      s.bus.emit("app.changed", created.app.id);
      if (created.issued) {
        await publishCredentialChange(s.db, {
          sharedKey: created.issued.credential.sharedKey,
          credentialId: created.issued.credential.id,
        }).catch(() => {});
        await revealNewKey(s, client, { userId, teamId, viewId: view.id, app: created.app, issued: created.issued });
      } else if (created.approvalId) {
        await client.views.update({ view_id: view.id, view: requestSentModal(created.app, "production") }).catch(() => {});
        await notifyApprovers(s, client, created.approvalId);
      }
    } catch (err) {
      const e = describeError(err, s.logger, "creating an app");
      await client.views.update({ view_id: view.id, view: errorModal("New App", e.text, e.requestId) }).catch(() => {});
    }
  });
}

function safeJson(s: string | undefined): unknown {
  try {
    return JSON.parse(s ?? "");
  } catch {
    return undefined;
  }
}
