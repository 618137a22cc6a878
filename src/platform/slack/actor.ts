import type { AnyMiddlewareArgs, App, Context, Middleware } from "@slack/bolt";

/** Who sent a Slack request: the workspace and the user, as Slack's payload names them. */
export interface RequestActor {
  teamId: string;
  userId: string;
}

type Loose = Record<string, unknown> | null | undefined;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const obj = (v: unknown): Loose => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined);

/**
 * The actor of any payload Bolt hands to middleware, read the same way everywhere:
 * - interactivity (block_actions, view_submission, block_suggestion): `team.id`, or `user.team_id`
 *   when `team` is null (org-wide installs), and `user.id`;
 * - slash commands: `team_id` and `user_id`;
 * - Events API envelopes: `team_id`, and the event's `user` (a string for app_home_opened).
 * The edge (edge.ts) has already checked the payload's shape with zod (payload.ts) before Bolt
 * and this middleware run, so both ids are Slack ids; missing or odd fields would still give ""
 * rather than an exception, and the services refuse an empty team or user.
 * Bolt's own context.teamId is not the same value: it prefers `view.app_installed_team_id` for
 * views and `authorizations[0].team_id` for events (the installing workspace), while AppKeys
 * scopes apps by the workspace of the person acting, as it always has.
 */
export function extractActor(body: unknown): RequestActor {
  const b = obj(body);
  const user = obj(b?.user);
  const event = obj(b?.event);
  const teamId = str(obj(b?.team)?.id) ?? str(user?.team_id) ?? str(b?.team_id) ?? "";
  const userId = str(user?.id) ?? str(b?.user_id) ?? str(event?.user) ?? str(obj(event?.user)?.id) ?? "";
  return { teamId, userId };
}

/** Global middleware: puts the request's actor on `context.actor` before any listener runs. */
export const actorMiddleware: Middleware<AnyMiddlewareArgs> = async ({ body, context, next }) => {
  context.actor = extractActor(body);
  await next();
};

export function registerActorMiddleware(app: App): void {
  app.use(actorMiddleware);
}

/** The actor the middleware put on the context. */
export function actorOf(context: Context): RequestActor {
  const actor = context.actor as RequestActor | undefined;
  if (!actor) throw new Error("the actor middleware is not registered (src/listeners.ts)");
  return actor;
}
