import type { App } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { TeamSync } from "../../teams/slack/sync.js";
import { registerTeamEvents } from "../../teams/slack/teams.event.js";
import { Departures } from "./departures.js";
import { registerOrphanActions } from "./orphan.action.js";
import { registerUserEvents } from "./user.event.js";

/** Teams and people changing in Slack: subteam_* and user_change events, the admins' orphan buttons. */
export function registerDirectorySlack(app: App, s: Services): void {
  const teams = new TeamSync(s, app.client);
  registerTeamEvents(app, s, teams);
  registerUserEvents(app, s, new Departures(s, app.client), teams);
  registerOrphanActions(app, s);
}
