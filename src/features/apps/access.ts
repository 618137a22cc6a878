/** Who is acting, and whether they may manage an app. Shared by every feature that checks access. */
export interface Actor {
  userId: string;
  teamId: string;
  isAdmin: boolean;
}

/** Owners, co-owners and AppKeys admins of the app's own workspace. */
export function canManage(actor: Actor, app: { teamId: string; owners: { userId: string }[] }): boolean {
  if (app.teamId !== actor.teamId) return false;
  return actor.isAdmin || app.owners.some((o) => o.userId === actor.userId);
}
