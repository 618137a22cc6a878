import type { types } from "@slack/bolt";
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
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import {
  ENV_EMOJI,
  ENV_LABEL,
  MESSAGE_TEXT_BUDGET,
  button,
  chunkLines,
  context,
  divider,
  header,
  modal,
  plain,
  section,
  slackDate,
  textLength,
  type Block,
  type ModalView,
} from "../../../platform/slack/blocks.js";

interface AppRef {
  publicId: string;
  title: string;
}

interface CredentialView {
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

const opt = (text: string, value: string, description?: string): types.PlainTextOption => ({
  text: plain(text, 75),
  value,
  ...(description ? { description: plain(description, 75) } : {}),
});

/** "Generate Key": environment and a label saying where the key will be used. */
export function generateKeyModal(app: AppRef, isApprover: boolean): ModalView {
  const envOptions = ENVIRONMENTS.map((e) =>
    opt(ENV_LABEL[e]!, e, e === "production" && !isApprover ? "Needs an approver's confirmation" : undefined),
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

const GRACE_TEXT: Record<GracePeriod, string> = { "1h": "1 hour", "24h": "24 hours", "7d": "7 days" };

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
    opt(ACTION_TEXT[a], a),
  );
  const initial = actions.find((o) => o.value === (opts.preselect ?? "now")) ?? actions[0]!;
  const graceOptions = (Object.keys(GRACE_PERIODS) as GracePeriod[]).map((g) => opt(GRACE_TEXT[g], g));
  const reasons = REVOKE_REASONS.map((r) => opt(REASON_LABEL[r as RevokeReason], r));
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

export function requestSentModal(app: AppRef, what: string): ModalView {
  return modal({
    title: "Sent for approval",
    callbackId: CB.result,
    close: "Close",
    blocks: [
      section(
        `:inbox_tray: Your ${mrkdwnEscape(what)} request for *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`) was sent to the approvers.`,
      ),
      context("I'll message you when an approver decides. A new secret is delivered to you privately, and only to you."),
    ],
  });
}

export function revokedText(p: { credentialId: string; app: AppRef; revokeAt?: Date; replacementId?: string }): string {
  if (p.revokeAt) {
    return `:hourglass: Key \`${p.credentialId}\` of *${mrkdwnEscape(p.app.title)}* keeps working until ${slackDate(p.revokeAt)}, then it is revoked. Its replacement is \`${p.replacementId}\`.`;
  }
  return `:no_entry: Key \`${p.credentialId}\` of *${mrkdwnEscape(p.app.title)}* is revoked.${p.replacementId ? ` Its replacement is \`${p.replacementId}\`.` : ""} It cannot be retrieved.`;
}

export function resultModal(title: string, text: string): ModalView {
  return modal({ title, callbackId: CB.result, close: "Close", blocks: [section(text)] });
}

export interface ApprovalView {
  id: string;
  kind: "GENERATE" | "REVOKE";
  requesterId: string;
  createdAt: Date;
  payload: { environment?: string; label?: string; action?: RevokeAction; grace?: GracePeriod; reason?: RevokeReason; note?: string };
}

function requestLines(a: ApprovalView, app: AppRef, credential?: CredentialView | null): string[] {
  const lines = [`*${mrkdwnEscape(app.title)}* (\`${app.publicId}\`) · requested by <@${a.requesterId}> ${slackDate(a.createdAt)}`];
  if (a.kind === "GENERATE") {
    lines.push(`:key: *New production key*${a.payload.label ? ` for ${mrkdwnEscape(a.payload.label)}` : ""}`);
  } else {
    lines.push(
      `:no_entry: *${ACTION_TEXT[a.payload.action ?? "now"]}*${a.payload.action === "replace_grace" && a.payload.grace ? ` (${GRACE_TEXT[a.payload.grace]})` : ""}`,
    );
    if (a.payload.reason)
      lines.push(`Reason: ${REASON_LABEL[a.payload.reason]}${a.payload.note ? ` — ${mrkdwnEscape(truncate(a.payload.note, 200))}` : ""}`);
    if (credential)
      lines.push(
        `Key \`${credential.id}\` · ${ENV_LABEL[credential.environment]}${credential.label ? ` · ${mrkdwnEscape(credential.label)}` : ""} · \`${credential.sharedKey}\``,
      );
  }
  return lines;
}

/** DM to each approver. The button only carries the request id; the modal re-reads and re-checks. */
export function approvalRequestBlocks(a: ApprovalView, app: AppRef, credential?: CredentialView | null): Block[] {
  return [
    section(`:raised_hand: *Approval needed*\n${requestLines(a, app, credential).join("\n")}`, {
      accessory: button("Review", ACT.review, a.id, "primary"),
    }),
  ];
}

/** The approver's modal: the app, its endpoints, the requester, the label or revocation; approve or reject with a note. */
export function approvalReviewModal(
  a: ApprovalView,
  app: AppRef,
  endpoints: { method: string; path: string; api: string }[],
  credential?: CredentialView | null,
): ModalView {
  const epLines = endpoints.map((e) => `• \`${e.method} ${mrkdwnEscape(e.path)}\` (${mrkdwnEscape(e.api)})`);
  const chunks = chunkLines(epLines, 2900).slice(0, 5);
  return modal({
    title: a.kind === "GENERATE" ? "Approve key request" : "Approve revocation",
    callbackId: CB.decide,
    submit: "Submit decision",
    close: "Cancel",
    privateMetadata: JSON.stringify({ approval: a.id }),
    blocks: [
      section(requestLines(a, app, credential).join("\n")),
      divider(),
      header(`Connected APIs (${endpoints.length})`),
      ...chunks.map((c) => section(c)),
      divider(),
      {
        type: "input",
        block_id: BLK.decision,
        label: plain("Decision"),
        element: {
          type: "radio_buttons",
          action_id: ACT.decision,
          options: [opt("Approve", "approve"), opt("Reject", "reject")],
        },
      },
      {
        type: "input",
        block_id: BLK.note,
        optional: true,
        label: plain("Note to the requester"),
        element: { type: "plain_text_input", action_id: ACT.note, multiline: true, max_length: NOTE_MAX },
      },
      context(
        a.kind === "GENERATE"
          ? "On approval the new secret goes to the requester only: you will not see it."
          : "On approval the revocation takes effect as requested.",
      ),
    ],
  });
}

/** `/apps approvals`: what waits for an approver, oldest first, each with its Review button. */
export function pendingApprovalsBlocks(
  items: { approval: ApprovalView; app: AppRef; credential?: CredentialView | null }[],
  total: number,
): Block[] {
  if (items.length === 0) return [section(":white_check_mark: Nothing is waiting for an approver.")];
  const blocks: Block[] = [header(`Waiting for approval (${total})`)];
  let shown = 0;
  for (const it of items.slice(0, 45)) {
    const next = approvalRequestBlocks(it.approval, it.app, it.credential);
    if (textLength(blocks) + textLength(next) > MESSAGE_TEXT_BUDGET) break;
    blocks.push(...next);
    shown++;
  }
  if (total > shown) blocks.push(context(`${total - shown} more not shown: decide on these first.`));
  return blocks.slice(0, 50);
}

/** The requester's DM after an approval: the key is issued when they click, and shown once. */
export function collectKeyBlocks(text: string, approvalId: string): Block[] {
  return [
    section(text),
    section(":key: Your new key is ready. Collect it when you can copy it to a safe place: its secret is shown once.", {
      accessory: button("Get my key", ACT.collect, approvalId, "primary"),
    }),
  ];
}
