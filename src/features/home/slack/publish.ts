import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import { HOME_MAX_CARDS, homeView } from "./blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";

type WebClient = webApi.WebClient;

/** Builds and publishes one user's Home tab. views.publish replaces the tab: safe to repeat. */
export async function publishHome(s: Services, client: WebClient, userId: string, teamId: string): Promise<void> {
  const actor = s.actor(userId, teamId);
  const { rotationDays } = await s.settings.effective();
  const { cards, total } = await s.home.cards(actor, { now: s.clock(), rotationDays, limit: HOME_MAX_CARDS });
  await client.views.publish({ user_id: userId, view: homeView({ cards, total, rotationDays }) });
}

/**
 * Publishes Home tabs one user at a time: a refresh asked for while one is running for the same
 * user runs once more afterwards (coalesced), so bursts of changes cost at most two publishes.
 */
export class HomePublisher {
  private readonly inFlight = new Map<string, { again: boolean; teamId: string; done: Promise<void> }>();

  constructor(
    private readonly s: Services,
    private readonly client: WebClient,
  ) {}

  refresh(userId: string, teamId: string): Promise<void> {
    const running = this.inFlight.get(userId);
    if (running) {
      running.again = true;
      running.teamId = teamId;
      return running.done;
    }
    const entry = { again: false, teamId, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          try {
            await publishHome(this.s, this.client, userId, entry.teamId);
          } catch (err) {
            this.s.logger.warn({ userId, slackError: slackCode(err), err }, "could not publish the App Home tab");
          }
        } while (entry.again);
      } finally {
        this.inFlight.delete(userId);
      }
    })();
    this.inFlight.set(userId, entry);
    return entry.done;
  }

  /** Every current owner of the app, after a change to it. */
  async refreshApp(appId: string): Promise<void> {
    const { teamId, userIds } = await this.s.home.owners(appId);
    await Promise.all(userIds.map((userId) => this.refresh(userId, teamId)));
  }
}
