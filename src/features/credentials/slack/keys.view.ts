import type { App, webApi } from "@slack/bolt";
import { z } from "zod";
import { GRACE_PERIODS, REVOKE_ACTIONS, REVOKE_REASONS, type DecisionOutcome, type GracePeriod, type RevokeOutcome } from "../service.js";
import { ENVIRONMENTS } from "../key-format.js";
import { decisionErrors, labelErrors, revokeErrors, revokeIssuesKey } from "../rules.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import type { Services } from "../../../services.js";
import { lifecycleActor } from "./dialogs.js";
import { notifyApprovers, tellUser } from "../../approvals/slack/notify.js";
import { revokedText } from "./blocks.js";
import { collectKeyBlocks, requestSentModal } from "../../approvals/slack/blocks.js";
import { progressModal, resultModal } from "../../../platform/slack/modals.js";
import { revealNewKey } from "./deliver.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { describeError, errorText, fieldErrorsAck } from "../../../platform/slack/errors.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { readState } from "../../../platform/slack/view-state.js";
import { actorOf } from "../../../platform/slack/actor.js";

const appMeta = z.object({ app: z.string().max(40) });
const credMeta = z.object({ cred: z.string().max(60) });
const approvalMeta = z.object({ approval: z.string().max(60) });

function meta<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  try {
    const r = schema.safeParse(JSON.parse(raw ?? ""));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Form input names (as the domain's rules name them) → the modals' block ids. */
const FIELD_BLOCKS: Record<string, string> = {
  environment: BLK.environment,
  label: BLK.label,
  action: BLK.revokeAction,
  reason: BLK.reason,
  grace: BLK.grace,
  note: BLK.note,
  decision: BLK.decision,
};
const hasErrors = (e: Record<string, string>) => Object.keys(e).length > 0;

export function registerKeyViews(app: App, s: Services): void {
  app.view(CB.generate, async ({ ack, view, client, context }) => {
    const m = meta(appMeta, view.private_metadata);
    const state = readState(view.state.values);
    const env = z.enum(ENVIRONMENTS).safeParse(state.selected(BLK.environment, ACT.environment));
    const label = state.text(BLK.label, ACT.label);
    if (!m)
      return void (await ack({ response_action: "update", view: resultModal("Generate Key", "This form is out of date. Open it again.") }));
    const invalid = env.success ? labelErrors(label) : { environment: "Pick an environment." };
    if (!env.success || hasErrors(invalid)) return void (await ack(fieldErrorsAck(invalid, FIELD_BLOCKS)));
    await ack({ response_action: "update", view: progressModal("Generate Key", "Generating your key…") });
    const { userId, teamId } = actorOf(context);
    try {
      const actor = await lifecycleActor(s, client, userId, teamId);
      const target = await s.apps.resolveApp(actor, m.app);
      const outcome = await s.credentials.generate(actor, target, { environment: env.data, label });
      s.bus.emit("app.changed", target.id);
      if (outcome.kind === "issued") {
        await revealNewKey(s, client, { userId, teamId, viewId: view.id, app: target, issued: outcome.issued });
      } else {
        await client.views.update({ view_id: view.id, view: requestSentModal(target, "production key") });
        await notifyApprovers(s, client, outcome.approval.id);
      }
    } catch (err) {
      const e = describeError(err, s.logger, "generating a key");
      await client.views.update({ view_id: view.id, view: resultModal("Generate Key", errorText(e)) }).catch(() => {});
    }
  });

  app.view(CB.revoke, async ({ ack, view, client, context }) => {
    const m = meta(credMeta, view.private_metadata);
    const state = readState(view.state.values);
    const action = z.enum(REVOKE_ACTIONS).safeParse(state.selected(BLK.revokeAction, ACT.revokeAction));
    const reason = z.enum(REVOKE_REASONS).safeParse(state.selected(BLK.reason, ACT.reason));
    const grace = z.enum(Object.keys(GRACE_PERIODS) as [GracePeriod]).safeParse(state.selected(BLK.grace, ACT.grace));
    const note = state.text(BLK.note, ACT.note).trim();
    if (!m)
      return void (await ack({
        response_action: "update",
        view: resultModal("Revoking the Key", "This form is out of date. Open it again."),
      }));
    const invalid = revokeErrors({ action: action.data, reason: reason.data, grace: grace.data, note });
    if (hasErrors(invalid)) return void (await ack(fieldErrorsAck(invalid, FIELD_BLOCKS)));
    await ack({ response_action: "update", view: progressModal("Revoking the Key", "Working on it…") });
    const { userId, teamId } = actorOf(context);
    try {
      const actor = await lifecycleActor(s, client, userId, teamId);
      const outcome = await s.credentials.requestRevoke(actor, m.cred, {
        action: action.data!,
        reason: reason.data!,
        // The grace field always holds a value (its default): it applies to "replace_grace" only.
        grace: action.data === "replace_grace" && grace.success ? grace.data : undefined,
        note,
      });
      s.bus.emit("app.changed", outcome.app.id);
      await showRevokeOutcome(s, client, { userId, teamId, viewId: view.id }, outcome);
    } catch (err) {
      const e = describeError(err, s.logger, "revoking a key");
      await client.views.update({ view_id: view.id, view: resultModal("Revoking the Key", errorText(e)) }).catch(() => {});
    }
  });

  app.view(CB.decide, async ({ ack, view, client, context }) => {
    const m = meta(approvalMeta, view.private_metadata);
    const state = readState(view.state.values);
    const decision = z.enum(["approve", "reject"]).safeParse(state.selected(BLK.decision, ACT.decision));
    const note = state.text(BLK.note, ACT.note);
    if (!m) return void (await ack({ response_action: "update", view: resultModal("Review", "This form is out of date.") }));
    const invalid = decisionErrors(decision.data, note);
    if (!decision.success || hasErrors(invalid)) return void (await ack(fieldErrorsAck(invalid, FIELD_BLOCKS)));
    await ack({ response_action: "update", view: progressModal("Review", "Recording your decision…") });
    const { userId, teamId } = actorOf(context);
    try {
      const actor = await lifecycleActor(s, client, userId, teamId);
      const outcome = await s.credentials.decide(actor, m.approval, decision.data, note);
      s.bus.emit("app.changed", outcome.app.id);
      await client.views.update({ view_id: view.id, view: resultModal("Review", decisionSummary(outcome)) }).catch(() => {});
      await tellRequester(s, client, outcome);
    } catch (err) {
      const e = describeError(err, s.logger, "deciding on a request");
      await client.views.update({ view_id: view.id, view: resultModal("Review", errorText(e)) }).catch(() => {});
    }
  });
}

async function showRevokeOutcome(
  s: Services,
  client: webApi.WebClient,
  p: { userId: string; teamId: string; viewId?: string },
  o: RevokeOutcome,
): Promise<void> {
  if (o.kind === "requested") {
    if (p.viewId)
      await client.views
        .update({ view_id: p.viewId, view: requestSentModal(o.app, "key revocation", { newSecret: revokeIssuesKey(o.approval.payload) }) })
        .catch(() => {});
    await notifyApprovers(s, client, o.approval.id);
    return;
  }
  const text = revokedText({
    credentialId: o.credential.id,
    app: o.app,
    revokeAt: o.kind === "scheduled" ? o.revokeAt : undefined,
    replacementId: o.replacement?.credential.id,
  });
  if (o.replacement) {
    await revealNewKey(s, client, { ...p, app: o.app, issued: o.replacement, note: text });
  } else if (p.viewId) {
    await client.views.update({ view_id: p.viewId, view: resultModal("Revoking the Key", text) }).catch(() => {});
  } else {
    await tellUser(client, p.userId, text);
  }
}

function decisionSummary(o: DecisionOutcome): string {
  const who = `<@${o.approval.requesterId}>`;
  if (o.kind === "rejected") return `:x: Rejected. ${who} has been told, with your note.`;
  const revoked = o.revoke ? ` ${revokedText({ credentialId: o.revoke.credential.id, app: o.app })}` : "";
  const collect = o.collectable ? ` ${who} collects the new key from their DM with me: its secret goes to them only.` : "";
  return `:white_check_mark: Approved.${revoked}${collect}`;
}

/**
 * The requester learns the decision by a DM that stays there. A key to collect comes as a
 * button: the secret is issued and shown only when they click it, so it cannot be lost while
 * they are away.
 */
async function tellRequester(s: Services, client: webApi.WebClient, o: DecisionOutcome): Promise<void> {
  const requester = o.approval.requesterId;
  const by = o.approval.decidedBy ? `<@${o.approval.decidedBy}>` : "an approver";
  const note = o.approval.decisionNote ? `\n> ${mrkdwnEscape(o.approval.decisionNote).replace(/\n/g, "\n> ")}` : "";
  const what = o.approval.kind === "GENERATE" ? "production key" : "revocation";
  if (o.kind === "rejected") {
    await tellUser(
      client,
      requester,
      `:x: ${by} rejected your ${what} request for *${mrkdwnEscape(o.app.title)}* (\`${o.app.publicId}\`).${note}`,
    );
    return;
  }
  const text = `:white_check_mark: ${by} approved your ${what} request for *${mrkdwnEscape(o.app.title)}* (\`${o.app.publicId}\`).${o.revoke ? ` ${revokedText({ credentialId: o.revoke.credential.id, app: o.app })}` : ""}${note}`;
  if (!o.collectable) {
    await tellUser(client, requester, text);
    return;
  }
  await client.chat
    .postMessage({ channel: requester, text, blocks: collectKeyBlocks(text, o.approval.id) })
    .catch((err) => s.logger.warn({ approvalId: o.approval.id, slackError: slackCode(err) }, "could not tell the requester"));
}
