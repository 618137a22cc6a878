import type { App } from "@slack/bolt";
import { z } from "zod";
import { DomainError } from "../../domain/errors.js";
import { revokeUndelivered } from "../../domain/credentials.js";
import { ENVIRONMENTS } from "../../domain/keys.js";
import type { Services } from "../../services.js";
import { endpointsModal, errorModal, progressModal, type DraftApp } from "../blocks/create-app.js";
import { deliverSecret } from "../deliver.js";
import { describeError } from "../errors.js";
import { ACT, BLK, CB } from "../ids.js";
import { readState } from "./state.js";

const draftSchema = z.object({ t: z.string().max(200), d: z.string().max(2000) });

export function registerCreateAppViews(app: App, s: Services): void {
  // Step 1 → validate title/description, then swap the modal for the endpoint step.
  app.view(CB.createDetails, async ({ ack, body, view }) => {
    const state = readState(view.state.values);
    const draft: DraftApp = { title: state.text(BLK.title, ACT.title), description: state.text(BLK.description, ACT.description) };
    const actor = s.actor(body.user.id, body.team?.id ?? body.user.team_id ?? "");
    let errors: Record<string, string>;
    try {
      errors = await s.apps.validateNewApp(actor, draft);
    } catch (err) {
      const e = describeError(err, s.logger, "validating a new app");
      await ack({ response_action: "errors", errors: { [BLK.title]: `${e.text}${e.requestId ? ` (request ${e.requestId})` : ""}` } });
      return;
    }
    if (Object.keys(errors).length) {
      await ack({ response_action: "errors", errors: mapFields(errors) });
      return;
    }
    await ack({ response_action: "update", view: endpointsModal(draft, s.endpoints.apis()) });
  });

  // Step 2 → create app + endpoints + first key in one transaction, then reveal the key once.
  app.view(CB.createEndpoints, async ({ ack, body, view, client }) => {
    const state = readState(view.state.values);
    const meta = draftSchema.safeParse(safeJson(view.private_metadata));
    const endpointIds = state.multi(BLK.endpoints, ACT.endpoints);
    const environment = z.enum(ENVIRONMENTS).catch("development").parse(state.selected(BLK.environment, ACT.environment) ?? "development");
    if (!meta.success) {
      await ack({ response_action: "update", view: errorModal("New App", "This form is out of date. Please start again with `/apps create`.") });
      return;
    }
    if (endpointIds.length === 0) {
      await ack({ response_action: "errors", errors: { [BLK.endpoints]: "Select at least one API endpoint." } });
      return;
    }
    const unknown = endpointIds.filter((id) => !s.endpoints.get(id));
    if (unknown.length) {
      await ack({ response_action: "errors", errors: { [BLK.endpoints]: "Some selected endpoints are no longer in the catalog. Remove them and select again." } });
      return;
    }
    await ack({ response_action: "update", view: progressModal("New App", "Creating your app and generating its keys…") });

    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    const actor = s.actor(userId, teamId);
    let created;
    try {
      created = await s.apps.createApp(actor, { title: meta.data.t, description: meta.data.d, endpointIds, environment });
    } catch (err) {
      const e = describeError(err, s.logger, "creating an app");
      const text = err instanceof DomainError ? `${e.text}` : e.text;
      await client.views.update({ view_id: view.id, view: errorModal("New App", text, e.requestId) }).catch(() => {});
      return;
    }
    const { app: created_app, issued } = created;
    s.logger.info({ appId: created_app.publicId, credentialId: issued.credential.id, userId }, "app created");
    s.bus.emit("app.changed", created_app.id);
    const delivery = await deliverSecret(client, s.logger, {
      userId,
      viewId: view.id,
      reveal: {
        appTitle: created_app.title,
        appPublicId: created_app.publicId,
        credentialId: issued.credential.id,
        environment: issued.credential.environment,
        sharedKey: issued.credential.sharedKey,
        secretKey: issued.secretKey,
      },
    });
    if (!delivery.modal && !delivery.dm) {
      // Nobody received the secret: a usable key nobody holds is only a liability.
      await revokeUndelivered(s.db.prisma, s.clock, { credentialId: issued.credential.id, actorId: userId, teamId });
      s.logger.warn({ credentialId: issued.credential.id }, "secret could not be delivered; credential revoked");
      await client.chat
        .postMessage({
          channel: userId,
          text: `:warning: Your app *${created_app.title}* (\`${created_app.publicId}\`) was created, but I could not deliver its new secret key to you, so I revoked that key. Generate a new one with \`/apps keys generate ${created_app.publicId}\`.`,
        })
        .catch(() => {});
    }
  });
}

function mapFields(errors: Record<string, string>): Record<string, string> {
  const blockFor: Record<string, string> = { title: BLK.title, description: BLK.description, endpoints: BLK.endpoints };
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [blockFor[k] ?? k, v]));
}

function safeJson(s: string | undefined): unknown {
  try {
    return JSON.parse(s ?? "");
  } catch {
    return undefined;
  }
}
