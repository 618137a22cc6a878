import type { types } from "@slack/bolt";
import { DESCRIPTION_MAX, TITLE_MAX } from "../service.js";
import { ENVIRONMENTS, type Environment } from "../../credentials/key-format.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { ENV_LABEL, context, header, modal, plain, section, type ModalView } from "../../../platform/slack/blocks.js";

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
