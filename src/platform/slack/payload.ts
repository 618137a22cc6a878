import { z } from "zod";

/**
 * The shape every Slack payload must have before Bolt or a listener reads it. Bolt itself reads
 * `user.id`, `team.id`, `view.app_installed_team_id`, `channel.id`, `event.item.channel` and
 * matches `action_id`/`callback_id` with String.prototype.match before any middleware runs, so
 * a payload of the wrong shape would throw inside Bolt (a 500, or a crash) rather than reach a
 * check in middleware. Objects are loose: Slack adds fields over time; only what is read is checked.
 */

/** Slack ids: an upper-case letter, then upper-case letters and digits (U…, W…, T…, C…, V…). */
const slackId = z.string().regex(/^[A-Z][A-Z0-9]{1,39}$/);
/** action_id, block_id, callback_id: Slack allows 255 characters. */
const blockKitId = z.string().max(255);
const url = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/\S+$/);
const triggerId = z.string().max(255);
/** Button values are up to 2000 characters in Slack. */
const actionValue = z.string().max(2000);
const option = z.looseObject({ value: z.string().max(200) });

/** One input's state in `view.state.values` (view-state.ts reads these). */
export const stateElement = z.looseObject({
  type: z.string().max(64),
  value: z.string().max(10_000).nullish(),
  selected_option: option.nullish(),
  selected_options: z.array(option).max(500).nullish(),
  selected_date: z.string().max(32).nullish(),
  selected_user: z.string().max(40).nullish(),
  selected_users: z.array(z.string().max(40)).max(500).nullish(),
  selected_conversation: z.string().max(40).nullish(),
  selected_channel: z.string().max(40).nullish(),
});
export const stateValues = z.record(blockKitId, z.record(blockKitId, stateElement));

const view = z.looseObject({
  id: slackId,
  type: z.string().max(32).optional(),
  callback_id: blockKitId.optional(),
  private_metadata: z.string().max(3000).optional(),
  hash: z.string().max(255).optional(),
  state: z.looseObject({ values: stateValues }).optional(),
  app_installed_team_id: slackId.optional(),
  root_view_id: slackId.nullish(),
  previous_view_id: slackId.nullish(),
});
const submittedView = view.extend({ callback_id: blockKitId });

const blockAction = z.looseObject({
  type: z.string().max(64),
  action_id: blockKitId.min(1),
  block_id: blockKitId.optional(),
  value: actionValue.optional(),
  selected_option: option.nullish(),
  selected_options: z.array(option).max(100).optional(),
  selected_user: slackId.nullish(),
  selected_conversation: slackId.nullish(),
  selected_channel: slackId.nullish(),
  selected_date: z.string().max(32).nullish(),
});
/** Attachments-era actions (interactive_message) carry `name`, not `action_id`. */
const legacyAction = z.looseObject({
  name: z.string().max(255).optional(),
  action_id: blockKitId.optional(),
  type: z.string().max(64).optional(),
  value: actionValue.optional(),
});

/** Who and where, common to every interactivity payload. */
const interaction = z
  .looseObject({
    user: z.looseObject({ id: slackId, team_id: slackId.optional() }),
    team: z.looseObject({ id: slackId }).nullish(),
    enterprise: z.looseObject({ id: slackId }).nullish(),
    channel: z.looseObject({ id: slackId }).optional(),
    api_app_id: z.string().max(64).optional(),
    trigger_id: triggerId.optional(),
    response_url: url.optional(),
    response_urls: z
      .array(z.looseObject({ response_url: url }))
      .max(10)
      .optional(),
    container: z.looseObject({}).optional(),
  })
  .refine((b) => Boolean(b.team?.id ?? b.user.team_id), { message: "no team", path: ["team"] });

const blockActions = interaction.and(
  z.looseObject({ actions: z.array(blockAction).min(1).max(25), view: view.optional(), message: z.looseObject({}).optional() }),
);
const legacyActions = interaction.and(z.looseObject({ actions: z.array(legacyAction).min(1).max(25).optional() }));
const viewAction = interaction.and(z.looseObject({ view: submittedView }));
const suggestion = interaction.and(
  z.looseObject({ action_id: blockKitId.min(1), block_id: blockKitId, value: z.string().max(2000), view: view.optional() }),
);
const legacyOptions = interaction.and(z.looseObject({ name: z.string().max(255), value: z.string().max(2000).optional() }));
const shortcut = interaction.and(z.looseObject({ callback_id: blockKitId.min(1) }));

/** Form fields; a field sent twice arrives as an array and fails here. */
const command = z.looseObject({
  command: z.string().regex(/^\/[^\s/]{1,32}$/),
  text: z.string().max(12_000),
  user_id: slackId,
  team_id: slackId,
  channel_id: slackId.optional(),
  enterprise_id: slackId.optional(),
  trigger_id: triggerId,
  response_url: url,
});

const eventUser = z.union([slackId, z.looseObject({ id: slackId })]);
const event = z
  .looseObject({
    type: z.string().min(1).max(64),
    user: eventUser.optional(),
    channel: z.union([slackId, z.looseObject({ id: slackId })]).optional(),
    channel_id: slackId.optional(),
    item: z.looseObject({ channel: slackId.optional() }).optional(),
    tab: z.string().max(32).optional(),
    view: z.looseObject({ id: slackId }).optional(),
  })
  // Events about a person must name one: an empty user would reach views.publish.
  .refine((e) => e.type !== "app_home_opened" || e.user !== undefined, { message: "no user", path: ["user"] });
const envelope = z.looseObject({
  type: z.literal("event_callback"),
  team_id: slackId,
  api_app_id: z.string().max(64).optional(),
  event_id: z.string().min(1).max(64),
  event,
  authorizations: z
    .array(z.looseObject({ team_id: slackId.nullish(), enterprise_id: slackId.nullish(), user_id: slackId.optional() }))
    .max(10)
    .optional(),
});

export type PayloadCheck =
  /** Well-formed: Bolt and the listeners may read it. */
  | { kind: "ok"; type: string }
  /** Slack says the app went over the Events API limit for a minute. */
  | { kind: "rate_limited"; teamId?: string; minute?: Date }
  /** Nothing in AppKeys handles this kind of payload (and Bolt could not even name it). */
  | { kind: "unhandled"; type: string }
  /** A kind AppKeys handles, in the wrong shape: field paths and codes only, never values. */
  | { kind: "malformed"; type: string; problems: string[] };

type Body = Record<string, unknown>;
const isBody = (v: unknown): v is Body => typeof v === "object" && v !== null && !Array.isArray(v);
/** A payload's own `type`, safe to log. */
const label = (v: unknown, fallback: string) => (typeof v === "string" && /^[a-z_]{1,40}$/.test(v) ? v : fallback);

/** Which schema applies, found in the order Bolt's getTypeAndConversation decides the type. */
function schemaFor(b: Body): { type: string; schema: z.ZodType } | undefined {
  if (b.event !== undefined) return { type: `event:${label(isBody(b.event) ? b.event.type : undefined, "?")}`, schema: envelope };
  if (b.command !== undefined) return { type: "slash_command", schema: command };
  if (b.name !== undefined || b.type === "block_suggestion") {
    return b.type === "block_suggestion" ? { type: "block_suggestion", schema: suggestion } : { type: "options", schema: legacyOptions };
  }
  if (b.actions !== undefined || b.type === "dialog_submission") {
    return b.type === "block_actions"
      ? { type: "block_actions", schema: blockActions }
      : { type: label(b.type, "actions"), schema: legacyActions };
  }
  if (b.type === "shortcut" || b.type === "message_action") return { type: b.type, schema: shortcut };
  if (b.type === "view_submission" || b.type === "view_closed") return { type: b.type, schema: viewAction };
  return undefined;
}

/** Checks a parsed Slack request body (HTTP or Socket Mode) before Bolt sees it. */
export function checkSlackPayload(body: unknown): PayloadCheck {
  if (!isBody(body)) return { kind: "malformed", type: "unknown", problems: ["body: not an object"] };
  if (body.type === "app_rate_limited") {
    const minute = body.minute_rate_limited;
    return {
      kind: "rate_limited",
      teamId: slackId.safeParse(body.team_id).success ? (body.team_id as string) : undefined,
      minute: typeof minute === "number" && Math.abs(minute) < 1e11 ? new Date(Math.floor(minute / 60) * 60_000) : undefined,
    };
  }
  const found = schemaFor(body);
  if (!found) return { kind: "unhandled", type: label(body.type, "unknown") };
  const result = found.schema.safeParse(body);
  if (result.success) return { kind: "ok", type: found.type };
  // Paths can hold payload keys (state block ids): kept short; values are never named.
  const problems = result.error.issues.slice(0, 5).map((i) => `${(i.path.map(String).join(".") || "body").slice(0, 120)}: ${i.code}`);
  return { kind: "malformed", type: found.type, problems };
}
