import type { Environment } from "../key-format.js";
import { mrkdwnEscape } from "../../../shared/text.js";
import { CB } from "../../../platform/slack/ids.js";
import { ENV_EMOJI, ENV_LABEL, context, modal, section, type Block, type ModalView } from "../../../platform/slack/blocks.js";

export interface KeyReveal {
  appTitle: string;
  appPublicId: string;
  credentialId: string;
  environment: Environment;
  label?: string;
  sharedKey: string;
  secretKey: string;
  note?: string;
}

export const ONCE_WARNING =
  ":warning: *Copy the secret key now and store it securely* (a password manager or a vault). " +
  "It is shown only this once: AppKeys keeps only a hash and cannot show it again. Never commit it or paste it in a channel.";

/** The blocks that reveal a new key pair, shared by the modal and the private DM. */
export function keyRevealBlocks(k: KeyReveal): Block[] {
  return [
    section(
      `:white_check_mark: *Successfully generated your API keys!*\n*${mrkdwnEscape(k.appTitle)}* (\`${k.appPublicId}\`) · ${ENV_EMOJI[k.environment]} ${ENV_LABEL[k.environment]}${k.label ? ` · ${mrkdwnEscape(k.label)}` : ""}`,
    ),
    section(`*Shared Key*\n\`\`\`${k.sharedKey}\`\`\``),
    section(`*Secret Key*\n\`\`\`${k.secretKey}\`\`\``),
    ...(k.note ? [section(k.note)] : []),
    section(ONCE_WARNING),
    context(`Credential ID \`${k.credentialId}\` · The new key pair now appears in the app's API credentials.`),
  ];
}

export function keysModal(k: KeyReveal): ModalView {
  return modal({ title: "Your API keys", callbackId: CB.result, close: "Done", blocks: keyRevealBlocks(k) });
}

export function keyRevealText(k: KeyReveal): string {
  return `New API keys for ${mrkdwnEscape(k.appTitle)} (${k.appPublicId}, ${k.environment}). Shown once: copy them now.`;
}
