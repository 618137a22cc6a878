/** Every callback_id, action_id and block_id the app uses, in one place. */
export const CB = {
  createDetails: "app_create_details",
  createEndpoints: "app_create_endpoints",
  result: "appkeys_result",
  details: "app_details_modal",
  generate: "key_generate",
  revoke: "key_revoke",
  decide: "approval_decide",
  archive: "app_archive",
} as const;

export const ACT = {
  newApp: "app_new",
  details: "app_details",
  listPage: "app_list_page",
  endpoints: "endpoints_select",
  environment: "environment_select",
  title: "title_input",
  description: "description_input",
  label: "label_input",
  noop: "noop",
  generateOpen: "key_generate_open",
  revoke: "cred_revoke",
  rotate: "cred_rotate",
  review: "approval_review",
  revokeAction: "revoke_action",
  grace: "grace_select",
  reason: "reason_select",
  note: "note_input",
  decision: "decision_select",
} as const;

export const BLK = {
  title: "title",
  description: "description",
  endpoints: "endpoints",
  environment: "environment",
  label: "label",
  revokeAction: "revoke_action",
  grace: "grace",
  reason: "reason",
  note: "note",
  decision: "decision",
} as const;
