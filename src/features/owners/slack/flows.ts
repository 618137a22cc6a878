import type { webApi } from "@slack/bolt";
import type { Actor } from "../../apps/access.js";
import { DomainError } from "../../../shared/errors.js";
import type { AppWithOwners, OwnerChange, OwnerService } from "../service.js";
import type { Services } from "../../../services.js";
import { appDetailsModal } from "../../apps/slack/blocks.js";
import type { ModalView } from "../../../platform/slack/blocks.js";
import { farewellText, ownersGoneModal, ownersModal, welcomeText, type OwnersMeta } from "./blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import { domainErrorText } from "../../../platform/slack/errors.js";
import type { HomePublisher } from "../../home/slack/publish.js";
import { TeamSync } from "../../teams/slack/sync.js";

type WebClient = webApi.WebClient;

/** What Slack answers conversations.open with for people who cannot own an app. */
const NOT_A_PERSON: Record<string, (userId: string) => DomainError> = {
  user_not_found: () => new DomainError("owners.person_not_found", {}),
  user_not_visible: () => new DomainError("owners.person_not_found", {}),
  cannot_dm_bot: (userId) => new DomainError("owners.not_a_person", { userId }),
  user_disabled: (userId) => new DomainError("owners.person_deactivated", { userId }),
};

/**
 * Sharing an app, whichever command, button or form asked: the domain checks authorization in
 * the transaction; around it, Slack is asked (outside the transaction) whether the person
 * exists and is not a bot, and told about the change afterwards.
 */
export class OwnerFlows {
  readonly owners: OwnerService;
  /** Teams (user groups) as owners: `/apps share <app> @team` and the modal's team picker. */
  readonly teams: TeamSync;

  constructor(
    private readonly s: Services,
    private readonly client: WebClient,
    private readonly home: HomePublisher,
  ) {
    this.owners = s.owners;
    this.teams = new TeamSync(s, client);
  }

  /** The owners modal of an app the actor may manage, with its teams. */
  async modal(app: AppWithOwners, meta: OwnersMeta, notice?: string): Promise<ModalView> {
    const teams = (await this.s.teams.teamsOf([app.id])).get(app.id) ?? [];
    return ownersModal({ app, teams, meta, notice });
  }

  async add(actor: Actor, app: AppWithOwners, userId: string): Promise<OwnerChange> {
    this.owners.precheckAdd(actor, app, userId);
    // Opening the DM we are about to send tells us (with im:write) whether this is a real, active
    // person, in the one call we need anyway.
    let dm: string | undefined;
    try {
      const im = await this.client.conversations.open({ users: userId });
      dm = im.channel?.id;
    } catch (err) {
      const explain = NOT_A_PERSON[slackCode(err)];
      if (explain) throw explain(userId);
      throw err;
    }
    const change = await this.owners.addCoOwner(actor, app.id, userId);
    this.s.logger.info({ appId: app.publicId, userId, by: actor.userId }, "co-owner added");
    this.s.bus.emit("app.changed", app.id);
    await this.client.chat
      .postMessage({ channel: dm ?? userId, text: welcomeText(app, actor.userId) })
      .catch((err: unknown) => this.s.logger.warn({ slackError: slackCode(err), userId }, "could not tell the new co-owner"));
    return change;
  }

  async remove(actor: Actor, app: AppWithOwners, userId: string): Promise<OwnerChange> {
    const change = await this.owners.removeCoOwner(actor, app.id, userId);
    this.s.logger.info({ appId: app.publicId, userId, by: actor.userId }, "co-owner removed");
    this.s.bus.emit("app.changed", app.id);
    // No longer an owner, so "app.changed" does not reach them: redraw their Home tab here.
    void this.home.refresh(userId, app.teamId);
    if (userId !== actor.userId) {
      await this.client.chat
        .postMessage({ channel: userId, text: farewellText(app, actor.userId) })
        .catch((err: unknown) => this.s.logger.warn({ slackError: slackCode(err), userId }, "could not tell the removed co-owner"));
    }
    return change;
  }

  /** The owners modal as the actor may see it now (or why they no longer can). */
  async modalFor(actor: Actor, meta: OwnersMeta, notice?: string): Promise<ModalView> {
    try {
      const app = await this.s.apps.resolveApp(actor, meta.a);
      return await this.modal(app, meta, notice);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return ownersGoneModal([notice, domainErrorText(err)].filter(Boolean).join("\n\n"));
    }
  }

  /** Redraws the details modal the owners modal was opened from (its owner list changed). */
  async refreshDetails(actor: Actor, meta: OwnersMeta): Promise<void> {
    if (!meta.d) return;
    try {
      const details = await this.s.apps.details(actor, meta.a);
      await this.client.views.update({ view_id: meta.d, view: appDetailsModal(details, { now: this.s.clock(), canManage: true }) });
    } catch (err) {
      // The actor may have removed themselves, or closed the modal: nothing to redraw then.
      this.s.logger.debug({ slackError: slackCode(err) }, "details modal not refreshed after an owner change");
    }
  }
}
