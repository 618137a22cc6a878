import {
  GRACE_PERIODS,
  LABEL_MAX,
  NOTE_MAX,
  REASON_LABEL,
  REVOKE_REASONS,
  type GracePeriod,
  type RevokeAction,
  type RevokeReason,
} from "../service.js";
import { ENVIRONMENTS, maskSecret, type Environment } from "../key-format.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import {
  ENV_EMOJI,
  ENV_LABEL,
  context,
  modal,
  option,
  plain,
  section,
  slackDate,
  type Block,
  type ModalView,
} from "../../../platform/slack/blocks.js";

export interface AppRef {
  publicId: string;
  title: string;
}

export interface CredentialView {
  id: string;
  environment: Environment;
  label: string;
  sharedKey: string;
  secretLast4: string;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokeAt?: Date | null;
}

/** "Generate Key": environment and a label saying where the key will be used. */
export function generateKeyModal(app: AppRef, isApprover: boolean): ModalView {
  const envOptions = ENVIRONMENTS.map((e) =>
    option(ENV_LABEL[e]!, e, e === "production" && !isApprover ? "Needs an approver's confirmation" : undefined),
  );
  return modal({
    title: "Generate Key",
    callbackId: CB.generate,
    submit: "Generate Key",
    close: "Cancel",
    privateMetadata: JSON.stringify({ app: app.publicId }),
    blocks: [
      section(
        `New key pair for *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`). Use different keys for development, staging and production.`,
      ),
      {
        type: "input",
        block_id: BLK.environment,
        label: plain("Environment"),
        element: { type: "radio_buttons", action_id: ACT.environment, initial_option: envOptions[0], options: envOptions },
      },
      {
        type: "input",
        block_id: BLK.label,
        optional: true,
        label: plain("Where will this key be used?"),
        element: {
          type: "plain_text_input",
          action_id: ACT.label,
          max_length: LABEL_MAX,
          placeholder: plain("e.g. checkout-api on the EU cluster"),
        },
        hint: plain("Helps you keep track of which keys are used in which applications."),
      },
    ],
  });
}

export const ACTION_TEXT: Record<RevokeAction, string> = {
  now: "Revoke now",
  replace: "Revoke and issue a replacement",
  replace_grace: "Issue a replacement now, revoke the old key after a grace period",
};

export const GRACE_TEXT: Record<GracePeriod, string> = { "1h": "1 hour", "24h": "24 hours", "7d": "7 days" };

export function credentialSummary(c: CredentialView, now: Date): string {
  return [
    `${ENV_EMOJI[c.environment]} *${ENV_LABEL[c.environment]}*${c.label ? ` · ${mrkdwnEscape(c.label)}` : ""} · \`${c.id}\``,
    `Shared key: \`${c.sharedKey}\``,
    `Secret key: \`${maskSecret(c.environment, c.secretLast4)}\``,
    `Created ${slackDate(c.createdAt)} by <@${c.createdBy}>`,
    c.lastUsedAt ? `Last used ${slackDate(c.lastUsedAt)}` : "Never used",
    ...(c.revokeAt ? [`:hourglass: Already replaced: revokes ${slackDate(c.revokeAt)}${c.revokeAt <= now ? " (due now)" : ""}`] : []),
  ].join("\n");
}

/** The "Revoking the Key" dialog: the credential, a choice of action, grace period and reason. */
export function revokeModal(
  app: AppRef,
  c: CredentialView,
  opts: { preselect?: RevokeAction; isApprover: boolean; now: Date /** false for approvers who don't own the app */; canReplace?: boolean },
): ModalView {
  const onlyNow = c.revokeAt || opts.canReplace === false;
  const actions = (onlyNow ? (["now"] as RevokeAction[]) : (["now", "replace", "replace_grace"] as RevokeAction[])).map((a) =>
    option(ACTION_TEXT[a], a),
  );
  const initial = actions.find((o) => o.value === (opts.preselect ?? "now")) ?? actions[0]!;
  const graceOptions = (Object.keys(GRACE_PERIODS) as GracePeriod[]).map((g) => option(GRACE_TEXT[g], g));
  const reasons = REVOKE_REASONS.map((r) => option(REASON_LABEL[r as RevokeReason], r));
  const blocks: Block[] = [
    section(`*${mrkdwnEscape(app.title)}* (\`${app.publicId}\`)\n${credentialSummary(c, opts.now)}`),
    {
      type: "input",
      block_id: BLK.revokeAction,
      label: plain("Action"),
      element: { type: "radio_buttons", action_id: ACT.revokeAction, initial_option: initial, options: actions },
    },
    {
      type: "input",
      block_id: BLK.grace,
      optional: true,
      label: plain("Grace period (for the last action)"),
      element: { type: "static_select", action_id: ACT.grace, initial_option: graceOptions[1], options: graceOptions },
      hint: plain("The old key keeps working until then, so you can deploy the replacement."),
    },
    {
      type: "input",
      block_id: BLK.reason,
      label: plain("Reason"),
      element: { type: "static_select", action_id: ACT.reason, placeholder: plain("Why is the key revoked?"), options: reasons },
    },
    {
      type: "input",
      block_id: BLK.note,
      optional: true,
      label: plain("Details"),
      element: {
        type: "plain_text_input",
        action_id: ACT.note,
        multiline: true,
        max_length: NOTE_MAX,
        placeholder: plain('Required for "Other"'),
      },
    },
    section(":warning: *Once a key is revoked, it cannot be retrieved* or re-activated. Applications still using it will be refused."),
  ];
  if (c.environment === "production") {
    blocks.push(
      context(
        opts.isApprover
          ? "Production key: another approver confirms this revocation, unless you mark the key *Compromised*: then it is revoked at once and any grace period is ignored."
          : "Production key: an approver confirms this revocation before it takes effect.",
      ),
    );
  }
  return modal({
    title: "Revoking the Key",
    callbackId: CB.revoke,
    submit: c.environment === "production" && !opts.isApprover ? "Request" : "Revoke Key",
    close: "Cancel",
    privateMetadata: JSON.stringify({ cred: c.id }),
    blocks,
  });
}

export function revokedText(p: { credentialId: string; app: AppRef; revokeAt?: Date; replacementId?: string }): string {
  if (p.revokeAt) {
    return `:hourglass: Key \`${p.credentialId}\` of *${mrkdwnEscape(p.app.title)}* keeps working until ${slackDate(p.revokeAt)}, then it is revoked. Its replacement is \`${p.replacementId}\`.`;
  }
  return `:no_entry: Key \`${p.credentialId}\` of *${mrkdwnEscape(p.app.title)}* is revoked.${p.replacementId ? ` Its replacement is \`${p.replacementId}\`.` : ""} It cannot be retrieved.`;
}
