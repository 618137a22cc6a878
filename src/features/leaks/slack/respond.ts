/**
 * What follows a leak, in Slack: after the revocation has committed (with its audit event, which
 * the audit worker posts to the audit channel), a thread reply where the key was posted, a DM to
 * every owner, and at most one short ephemeral note to a poster whose key was not live.
 * Slack failures are logged by error code only; nothing here ever holds more than a key's outcome.
 */
import type { webApi } from "@slack/bolt";
import type { Services } from "../../../services.js";
import type { Block } from "../../../platform/slack/blocks.js";
import { slackCode } from "../../../platform/slack/slack-error.js";
import type { FoundKey } from "../scan.js";
import type { LeakService, LeakSource, TokenOutcome } from "../service.js";
import { POSTER_NOTE, revokedOwnerMessage, sharedKeyOwnerMessage, threadReplyText } from "./blocks.js";

type WebClient = webApi.WebClient;
type SlackSource = Extract<LeakSource, { kind: "slack" }>;

export class LeakResponder {
  constructor(
    private readonly s: Services,
    readonly leaks: LeakService,
    private readonly client: () => WebClient,
  ) {}

  /** Keys found in a Slack message (already checked: not the bot's own, not a retry). */
  async fromSlack(found: FoundKey[], source: SlackSource): Promise<TokenOutcome[]> {
    const outcomes = await this.leaks.handle(found, source);
    const revoked = outcomes.filter((o) => o.kind === "revoked");
    const messageMarker = `leak:message:${source.channel}:${source.messageTs}`;
    if (revoked.length) {
      // Edits of this message, and retries, must not add a note after the revocation.
      await this.leaks.once(messageMarker);
      await this.post("thread reply", {
        channel: source.channel,
        thread_ts: source.threadTs ?? source.messageTs,
        text: threadReplyText(revoked.map((o) => o.app.publicId)),
        unfurl_links: false,
        unfurl_media: false,
      });
    }
    const live = outcomes.filter((o) => o.kind === "revoked" || o.kind === "shared");
    const permalink = live.length ? await this.permalink(source) : undefined;
    await this.tellOwners(outcomes, source, permalink);
    const dead = outcomes.some((o) => o.kind === "unknown" || o.kind === "already_revoked");
    if (!live.length && dead && source.poster && (await this.leaks.once(messageMarker))) {
      await this.call("poster note", () =>
        this.client().chat.postEphemeral({ channel: source.channel, user: source.poster!, text: POSTER_NOTE }),
      );
    }
    return outcomes;
  }

  /** Keys from GitHub or a scanner: revoked now, owners told in the background. */
  async report(found: FoundKey[], source: LeakSource): Promise<TokenOutcome[]> {
    const outcomes = await this.leaks.handle(found, source);
    void this.tellOwners(outcomes, source).catch((err) =>
      this.s.logger.warn({ err: { message: (err as Error).message } }, "leak DMs failed"),
    );
    return outcomes;
  }

  private async tellOwners(outcomes: TokenOutcome[], source: LeakSource, permalink?: string): Promise<void> {
    for (const o of outcomes) {
      if (o.kind === "revoked") {
        this.s.bus.emit("app.changed", o.app.id);
        await this.dmOwners(o, revokedOwnerMessage({ credential: o.credential, app: o.app, source, permalink }));
      } else if (o.kind === "shared" && (await this.leaks.once(`leak:shared:${o.credential.id}`))) {
        // A shared key alone: the owners hear about it once, wherever it turns up again.
        await this.dmOwners(o, sharedKeyOwnerMessage({ credential: o.credential, app: o.app, source, permalink }));
      }
    }
  }

  private async dmOwners(o: Extract<TokenOutcome, { app: unknown }>, msg: { text: string; blocks: Block[] }): Promise<void> {
    const owners = [...new Set(o.app.owners.map((w) => w.userId))];
    for (const owner of owners) {
      await this.post("owner DM", { channel: owner, text: msg.text, blocks: msg.blocks, unfurl_links: false, unfurl_media: false });
    }
  }

  private async permalink(source: SlackSource): Promise<string | undefined> {
    try {
      const res = await this.client().chat.getPermalink({ channel: source.channel, message_ts: source.messageTs });
      return res.permalink;
    } catch (err) {
      this.s.logger.warn({ slackError: slackCode(err), channel: source.channel }, "could not get the leaked message's permalink");
      return undefined;
    }
  }

  private post(what: string, args: Parameters<WebClient["chat"]["postMessage"]>[0]): Promise<void> {
    return this.call(what, () => this.client().chat.postMessage(args));
  }

  private async call(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.s.logger.warn({ slackError: slackCode(err) }, `leak response: could not send the ${what}`);
    }
  }
}
