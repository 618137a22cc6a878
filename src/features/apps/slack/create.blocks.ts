import type { types } from "@slack/bolt";
import { DESCRIPTION_MAX, TITLE_MAX } from "../service.js";
import type { EndpointRow } from "../../catalog/service.js";
import { ENVIRONMENTS, type Environment } from "../../credentials/key-format.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import {
  ENV_EMOJI,
  ENV_LABEL,
  context,
  header,
  modal,
  plain,
  section,
  type Block,
  type ModalView,
} from "../../../platform/slack/blocks.js";

export interface DraftApp {
  title: string;
  description: string;
}

/** Step 1 of "New App": title and description. */
export function newAppModal(draft: Partial<DraftApp> = {}): ModalView {
  return modal({
    title: "New App",
    callbackId: CB.createDetails,
    submit: "Next",
    close: "Cancel",
    blocks: [
      section(
        "Create an app to call the company's APIs. Next you select the endpoints it connects to, then AppKeys generates its first key pair.",
      ),
      {
        type: "input",
        block_id: BLK.title,
        label: plain("Title"),
        element: {
          type: "plain_text_input",
          action_id: ACT.title,
          max_length: TITLE_MAX,
          placeholder: plain("e.g. Checkout service"),
          ...(draft.title ? { initial_value: draft.title.slice(0, TITLE_MAX) } : {}),
        },
        hint: plain(`Unique in this workspace, up to ${TITLE_MAX} characters.`),
      },
      {
        type: "input",
        block_id: BLK.description,
        optional: true,
        label: plain("Description"),
        element: {
          type: "plain_text_input",
          action_id: ACT.description,
          multiline: true,
          max_length: DESCRIPTION_MAX,
          placeholder: plain("What does this app do, and who runs it?"),
          ...(draft.description ? { initial_value: draft.description.slice(0, DESCRIPTION_MAX) } : {}),
        },
      },
    ],
  });
}

export function environmentOption(env: Environment): types.PlainTextOption {
  return { text: plain(`${ENV_LABEL[env]}`, 75), value: env };
}

/** Step 2: the endpoints (type-ahead, so catalogs past 100 entries work) and the key's environment. */
export function endpointsModal(draft: DraftApp, catalogApis: string[]): ModalView {
  const apis = catalogApis
    .slice(0, 12)
    .map((a) => mrkdwnEscape(a))
    .join(", ");
  return modal({
    title: "Connect APIs",
    callbackId: CB.createEndpoints,
    submit: "Connect & Generate Keys",
    close: "Cancel",
    privateMetadata: JSON.stringify({ t: draft.title, d: draft.description }),
    blocks: [
      header("Select the API endpoints"),
      section(`*${mrkdwnEscape(draft.title)}* will be able to call the endpoints you select here.`),
      {
        type: "input",
        block_id: BLK.endpoints,
        label: plain("API endpoints"),
        element: {
          type: "multi_external_select",
          action_id: ACT.endpoints,
          min_query_length: 0,
          placeholder: plain("Type an API, method or path"),
        },
        hint: plain(truncate(`Type to search. APIs: ${catalogApis.slice(0, 12).join(", ")}${catalogApis.length > 12 ? ", …" : ""}`, 150)),
      },
      {
        type: "input",
        block_id: BLK.environment,
        label: plain("Environment of the first key"),
        element: {
          type: "radio_buttons",
          action_id: ACT.environment,
          initial_option: environmentOption("development"),
          options: ENVIRONMENTS.map(environmentOption),
        },
      },
      context(apis ? `Catalog: ${apis}` : "The endpoint catalog is empty: ask an admin to set ENDPOINTS_FILE."),
    ],
  });
}

/** Answer to a type-ahead query: option groups by API, 100 options at most (Slack's limit). */
export function endpointOptions(rows: EndpointRow[]): { option_groups: types.OptionGroup[] } | { options: types.Option[] } {
  const groups = new Map<string, types.PlainTextOption[]>();
  for (const r of rows.slice(0, 100)) {
    const list = groups.get(r.api) ?? [];
    list.push(endpointOption(r));
    groups.set(r.api, list);
  }
  if (groups.size === 0) return { options: [] };
  return { option_groups: [...groups].slice(0, 100).map(([api, options]) => ({ label: plain(api, 75), options })) };
}

export function endpointOption(r: EndpointRow): types.PlainTextOption {
  return {
    text: plain(truncate(`${r.method} ${r.path}`, 75), 75),
    value: r.id,
    ...(r.summary ? { description: plain(truncate(r.summary, 75), 75) } : {}),
  };
}

export function progressModal(title: string, text: string): ModalView {
  return modal({ title, callbackId: CB.result, close: "Close", blocks: [section(`:hourglass_flowing_sand: ${text}`)] });
}

export function errorModal(title: string, text: string, requestId?: string): ModalView {
  const blocks: Block[] = [section(`:warning: ${text}`)];
  if (requestId) blocks.push(context(`Request ID \`${requestId}\` — give it to your AppKeys admin if this keeps happening.`));
  return modal({ title, callbackId: CB.result, close: "Close", blocks });
}

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
