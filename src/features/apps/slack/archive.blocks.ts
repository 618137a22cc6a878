import { mrkdwnEscape } from "../../../shared/text.js";
import { CB } from "../../../platform/slack/ids.js";
import { context, modal, section, type ModalView } from "../../../platform/slack/blocks.js";

export function archiveModal(app: { publicId: string; title: string }, activeKeys: number, pending: number): ModalView {
  return modal({
    title: "Archive app",
    callbackId: CB.archive,
    submit: "Archive app",
    close: "Cancel",
    privateMetadata: JSON.stringify({ app: app.publicId }),
    blocks: [
      section(`Archive *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`)?`),
      section(
        `:warning: Its *${activeKeys} active key${activeKeys === 1 ? "" : "s"}* will be revoked at once` +
          (pending ? ` and *${pending} pending request${pending === 1 ? "" : "s"}* cancelled` : "") +
          ". Applications using them will be refused. Revoked keys cannot be retrieved.",
      ),
      context("The app's history stays in the audit trail; its title becomes free for a new app."),
    ],
  });
}
