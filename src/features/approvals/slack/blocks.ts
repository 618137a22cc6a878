import { NOTE_MAX, REASON_LABEL } from "../../credentials/service.js";
import type { GracePeriod, RevokeAction, RevokeReason } from "../../credentials/service.js";
import { ACTION_TEXT, GRACE_TEXT, type AppRef, type CredentialView } from "../../credentials/slack/blocks.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import {
  ENV_LABEL,
  MESSAGE_TEXT_BUDGET,
  button,
  chunkLines,
  context,
  divider,
  header,
  modal,
  option,
  plain,
  section,
  slackDate,
  textLength,
  type Block,
  type ModalView,
} from "../../../platform/slack/blocks.js";

/**
 * After a production request: the requester's modal says it went to the approvers, and what
 * comes next. Only a request that issues a key (a new key, a replacement) promises a secret.
 */
export function requestSentModal(app: AppRef, what: string, opts: { newSecret?: boolean } = {}): ModalView {
  const next =
    opts.newSecret === false
      ? "I'll message you when an approver decides. The key keeps working until then."
      : "I'll message you when an approver decides. A new secret is delivered to you privately, and only to you.";
  return modal({
    title: "Sent for approval",
    callbackId: CB.result,
    close: "Close",
    blocks: [
      section(
        `:inbox_tray: Your ${mrkdwnEscape(what)} request for *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`) was sent to the approvers.`,
      ),
      context(next),
    ],
  });
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
          options: [option("Approve", "approve"), option("Reject", "reject")],
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
