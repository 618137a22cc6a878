import { MinuteWorker } from "../../platform/jobs/every-minute.js";
import type { WorkerFactory } from "../../platform/jobs/worker.js";
import { REPLICA_ID, claimSlot, failSlot, finishSlot, newClaimer, slotOf } from "../../platform/jobs/scheduler.js";
import { classifySlackError, postMessage, type Poster } from "../../platform/jobs/poster.js";
import { workerSlackClient } from "../../platform/slack/background-client.js";
import type { Services } from "../../services.js";
import { publishCredentialChange } from "../credentials/notify.js";
import { rotationTimeZone } from "../rotation/service.js";
import { ReviewSchedule } from "./schedule.js";
import { ReviewService, type CloseResult } from "./service.js";
import { section } from "../../platform/slack/blocks.js";
import { enforcedText, reviewMessage, summaryMessages, unansweredReport } from "./slack/blocks.js";

export const JOB_REVIEW = "access-review";
export const JOB_REVIEW_CLOSE = "access-review-close";
export const JOB_REVIEW_SUMMARY = "access-review-summary";
export const JOB_REVIEW_ADMINS = "access-review-admins";
export const JOB_REVIEW_OWNERS = "access-review-owners";

/** DM failures that retrying will not fix: the notice is given up. */
const PERMANENT_DM = new Set(["user_not_found", "cannot_dm_bot", "user_disabled", "messages_tab_disabled", "channel_not_found"]);

export interface ReviewTick {
  started?: { id: string; keys: number; notices: number };
  sent: number;
  closed: CloseResult[];
}

/**
 * Quarterly access reviews, one minute's work at a time on every replica, exactly once through
 * job_run claims like the rotation run: the review of the latest ACCESS_REVIEW_CRON fire is
 * started by whoever claims its slot (the slot is also unique in access_review); DMs are claimed
 * row by row (SKIP LOCKED); each due review is closed by the one replica claiming it, and its
 * summary (audit channel), admins' report and owners' notices are each claimed once.
 */
export class ReviewJobs {
  readonly reviews: ReviewService;
  private readonly schedule: ReviewSchedule;
  private stopping = false;

  constructor(
    private readonly s: Services,
    private readonly client: Poster,
    private readonly replicaId = REPLICA_ID,
  ) {
    this.reviews = new ReviewService(s.db.prisma);
    this.schedule = new ReviewSchedule(s.config.ACCESS_REVIEW_CRON, rotationTimeZone(s.config.TZ));
  }

  private get db() {
    return this.s.db.prisma;
  }

  abort(): void {
    this.stopping = true;
  }

  latestSlot(): string | undefined {
    const fire = this.schedule.latestFire(this.s.clock());
    return fire ? slotOf(fire) : undefined;
  }

  async tick(): Promise<ReviewTick> {
    const out: ReviewTick = { sent: 0, closed: [] };
    const slot = this.latestSlot();
    if (slot) out.started = await this.startReview(slot);
    out.sent = await this.sendNotices();
    out.closed = await this.closeDue();
    await this.postPending();
    return out;
  }

  /** Starts the review of `slot` unless it was started (or is being started) elsewhere. */
  async startReview(slot: string): Promise<ReviewTick["started"]> {
    const claimer = newClaimer(this.replicaId);
    const now = this.s.clock();
    if (!(await claimSlot(this.db, JOB_REVIEW, slot, claimer, now))) return undefined;
    try {
      const started = await this.reviews.start(slot, now, this.s.config.ACCESS_REVIEW_DAYS, this.s.config.ACCESS_REVIEW_ENFORCE);
      await finishSlot(this.db, JOB_REVIEW, slot, claimer, this.s.clock());
      if (started) this.s.logger.info({ slot, ...started }, "access review started");
      return started;
    } catch (err) {
      await failSlot(this.db, JOB_REVIEW, slot, claimer, this.s.clock(), String((err as Error)?.message ?? err)).catch(() => undefined);
      throw err;
    }
  }

  /** One DM per (app, owner) not sent yet, each claimed by one replica. */
  async sendNotices(): Promise<number> {
    const claimer = newClaimer(this.replicaId);
    let sent = 0;
    for (;;) {
      const batch = await this.reviews.claimNotices(claimer, this.s.clock(), 20);
      if (batch.length === 0 || this.stopping) break;
      for (const n of batch) {
        const content = await this.reviews.content(n.reviewId, n.appId);
        if (!content || content.keys.length === 0) {
          await this.reviews.markNotice(n, claimer, this.s.clock());
          continue;
        }
        try {
          await postMessage(this.client, n.ownerId, reviewMessage(content));
          await this.reviews.markNotice(n, claimer, this.s.clock());
          sent += 1;
        } catch (err) {
          const f = classifySlackError(err);
          await this.reviews.markNotice(n, claimer, this.s.clock(), { error: f.code, permanent: PERMANENT_DM.has(f.code) });
          this.s.logger.warn({ owner: n.ownerId, slackError: f.code }, "access review DM not sent");
        }
      }
    }
    return sent;
  }

  /** Closes every review whose time is up (one replica each). */
  async closeDue(): Promise<CloseResult[]> {
    const closed: CloseResult[] = [];
    for (const r of await this.reviews.due(this.s.clock())) {
      const claimer = newClaimer(this.replicaId);
      if (!(await claimSlot(this.db, JOB_REVIEW_CLOSE, r.id, claimer, this.s.clock()))) continue;
      try {
        const res = await this.reviews.close(r.id, this.s.clock());
        await finishSlot(this.db, JOB_REVIEW_CLOSE, r.id, claimer, this.s.clock());
        if (!res) continue;
        for (const k of res.revokedKeys)
          await publishCredentialChange(this.s.db, { sharedKey: k.sharedKey, credentialId: k.id }).catch(() => {});
        for (const a of res.apps) if (a.enforced.length) this.s.bus.emit("app.changed", a.app.id);
        this.s.logger.info({ reviewId: r.id, apps: res.apps.length, revokedAtClose: res.revokedKeys.length }, "access review closed");
        closed.push(res);
      } catch (err) {
        await failSlot(this.db, JOB_REVIEW_CLOSE, r.id, claimer, this.s.clock(), String((err as Error)?.message ?? err)).catch(
          () => undefined,
        );
        this.s.logger.error({ err, reviewId: r.id }, "closing an access review failed; retried once its claim expires");
      }
    }
    return closed;
  }

  /** The summary, the admins' report and the owners' notices of closed reviews, each once. */
  async postPending(): Promise<void> {
    for (const r of await this.reviews.recentlyClosed(this.s.clock())) {
      await this.once(JOB_REVIEW_SUMMARY, r.id, async (res) => {
        const channel = (await this.s.settings.effective()).auditChannelId;
        if (!channel) return;
        for (const m of summaryMessages(res)) await postMessage(this.client, channel, m);
      });
      await this.once(JOB_REVIEW_ADMINS, r.id, async (res) => {
        const report = unansweredReport(res);
        if (!report) return;
        for (const admin of this.s.config.ADMIN_USER_IDS) {
          await postMessage(this.client, admin, report).catch((err: unknown) =>
            this.s.logger.warn({ admin, slackError: classifySlackError(err).code }, "could not send the access review report"),
          );
        }
        if (this.s.config.ADMIN_USER_IDS.length === 0)
          this.s.logger.error({ reviewId: r.id }, "unconfirmed production keys and no ADMIN_USER_IDS to tell");
      });
      await this.once(JOB_REVIEW_OWNERS, r.id, async (res) => {
        // One DM per owner for all their apps' revoked keys.
        const byOwner = new Map<string, string[]>();
        for (const a of res.apps.filter((x) => x.enforced.length))
          for (const o of a.owners) byOwner.set(o, [...(byOwner.get(o) ?? []), enforcedText(a)]);
        for (const [owner, lines] of byOwner) {
          const text = lines.join("\n\n").slice(0, 2900);
          await postMessage(this.client, owner, { text, blocks: [section(text)] }).catch((err: unknown) =>
            this.s.logger.warn({ owner, slackError: classifySlackError(err).code }, "could not tell an owner about revoked keys"),
          );
        }
      });
    }
  }

  /** Runs `fn` for a closed review once: claimed as (job, reviewId); a failure is retried after the lease. */
  private async once(job: string, reviewId: string, fn: (res: CloseResult) => Promise<void>): Promise<void> {
    const claimer = newClaimer(this.replicaId);
    if (!(await claimSlot(this.db, job, reviewId, claimer, this.s.clock()))) return;
    try {
      const res = await this.reviews.closedSummary(reviewId);
      if (res) await fn(res);
      await finishSlot(this.db, job, reviewId, claimer, this.s.clock());
    } catch (err) {
      const f = classifySlackError(err);
      if (f.permanent) {
        await finishSlot(this.db, job, reviewId, claimer, this.s.clock());
        this.s.logger.error({ job, reviewId, slackError: f.code }, "access review message refused by Slack; given up");
        return;
      }
      await failSlot(this.db, job, reviewId, claimer, this.s.clock(), f.code).catch(() => undefined);
      this.s.logger.warn({ job, reviewId, slackError: f.code }, "access review message not posted; retried later");
    }
  }
}

export const reviewWorker: WorkerFactory = (s, client) => {
  const jobs = new ReviewJobs(s, workerSlackClient(client, s));
  return new MinuteWorker("reviews", {
    timezone: rotationTimeZone(s.config.TZ),
    tick: () => jobs.tick(),
    abort: () => jobs.abort(),
    onError: (err) => s.logger.error({ err }, "access review tick failed; retried next minute"),
  });
};
