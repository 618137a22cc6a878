/** Every callback_id, action_id and block_id the app uses, in one place. */
export const CB = {
  createDetails: "app_create_details",
  createEndpoints: "app_create_endpoints",
  result: "appkeys_result",
  details: "app_details_modal",
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
} as const;

export const BLK = {
  title: "title",
  description: "description",
  endpoints: "endpoints",
  environment: "environment",
  label: "label",
} as const;
