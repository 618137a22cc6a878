import { everyMinute, type MinuteTask } from "../../platform/jobs/every-minute.js";
import type { Worker, WorkerFactory } from "../../platform/jobs/worker.js";
import {
  claimRecipients,
  daysLeft,
  dropReminders,
  dueDate,
  loadClaimedReminders,
  loadDigest,
  markRemindersFailed,
  markRemindersSent,
  partitionReminders,
  pruneReminders,
  refreshClaims,
  rotationTimeZone,
  sweepReminders,
  type SweepResult,
} from "./service.js";
import {
  CronSchedule,
  LostClaimError,
  REPLICA_ID,
  claimSlot,
  createPacer,
  failSlot,
  finishSlot,
  newClaimer,
  noPacing,
  slotOf,
  touchSlot,
  type Pacer,
} from "../../platform/jobs/scheduler.js";
import type { Services } from "../../services.js";
import { workerSlackClient } from "../../platform/slack/background-client.js";
import { digestMessages, reminderMessages, type ReminderItem } from "./slack/blocks.js";
import { classifySlackError, postMessage, type Poster } from "../../platform/jobs/poster.js";

/**
 * Rotation reminders, the rotation digest and grace-period revocations, on every replica, from one
 * per-minute schedule (see RotationWorker):
 *
 * - the latest ROTATION_CRON fire (default weekdays 09:00 in TZ) at or before now → runRotation(slot):
 *   whoever claims the slot in job_run sweeps (creates the current stage's reminder rows,
 *   pre-claimed by the run), sends one DM per recipient, then posts the digest (each part claimed
 *   on its own). Claimed already: a no-op. So the minute of the fire runs it, and a later minute
 *   catches up a run missed while every replica was down, or one whose replica crashed and whose
 *   claim expired.
 * - grace-period revocations (one replica per minute slot), then drain(): reminders left unsent by
 *   a failed send or a crashed run.
 *
 * Exactly once: slots and reminder rows are claimed in the database; a message's rows are marked
 * sent right after Slack accepts it. The one window left is a crash between Slack accepting a
 * message and the mark: that message is sent again when the claim expires (10 minutes).
 */

export const JOB_ROTATION = "rotation";
export const JOB_DIGEST = "rotation-digest";
export const JOB_REVOCATIONS = "revocations";

const DAY_MS = 86_400_000;
/** Claims are refreshed at most this often (the lease is 10 minutes). */
const HEARTBEAT_MS = 60_000;
/** Recipient-specific DM failures: retrying will not help, so the reminder is given up. */
const PERMANENT_DM_ERRORS = new Set([
  "user_not_found",
  "cannot_dm_bot",
  "user_disabled",
  "messages_tab_disabled",
  "channel_not_found",
  "is_archived",
]);

export interface RotationJobsOptions {
  /** Spaces out posts per channel (default: none; the worker passes a real one). */
  pacer?: Pacer;
  replicaId?: string;
  /** Called after each message Slack accepted. Tests throw here to crash a run half way. */
  afterPost?: (kind: "dm" | "digest", channel: string) => void | Promise<void>;
  recipientsPerClaim?: number;
  sweepBatchSize?: number;
}

export interface DrainResult {
  recipients: number;
  messages: number;
  sent: number;
  failed: number;
  dropped: number;
}

export interface RotationRunResult {
  ran: boolean;
  slot: string;
  sweep?: SweepResult;
  dms?: DrainResult;
  digestMessages?: number;
}

export class RotationJobs {
  private readonly pacer: Pacer;
  private readonly replicaId: string;
  private schedule: CronSchedule | null | undefined;
  private stopping = false;

  constructor(
    private readonly s: Services,
    private readonly client: Poster,
    private readonly o: RotationJobsOptions = {},
  ) {
    this.pacer = o.pacer ?? noPacing;
    this.replicaId = o.replicaId ?? REPLICA_ID;
  }

  private get db() {
    return this.s.db.prisma;
  }

  /** Stop between messages (shutdown); unsent rows stay claimed until the lease expires. */
  abort(): void {
    this.stopping = true;
  }

  /** claimSlot, counted on the metrics page. */
  private async claim(job: string, slot: string, claimer: string, now: Date): Promise<boolean> {
    const won = await claimSlot(this.db, job, slot, claimer, now);
    this.s.metrics.jobClaim(job, won);
    return won;
  }

  /** The ROTATION_CRON run for `slot`. Returns ran: false when another run has (or had) it. */
  async runRotation(slot: string): Promise<RotationRunResult> {
    const claimer = newClaimer(this.replicaId);
    const now = this.s.clock();
    if (!(await this.claim(JOB_ROTATION, slot, claimer, now))) return { ran: false, slot };
    const log = this.s.logger.child({ job: JOB_ROTATION, slot });
    try {
      const settings = await this.s.settings.effective();
      const timeZone = rotationTimeZone(this.s.config.TZ);
      // Keeps the run's claims alive while it works (a minute apart: refreshing touches every
      // row the run still holds, tens of thousands on the first day of a big install).
      let beat = now.getTime();
      const heartbeat = async () => {
        const t = this.s.clock();
        if (t.getTime() - beat < HEARTBEAT_MS) return;
        beat = t.getTime();
        if (!(await touchSlot(this.db, JOB_ROTATION, slot, claimer, t))) throw new LostClaimError(`${JOB_ROTATION} ${slot}`);
        await refreshClaims(this.db, claimer, t);
      };
      const sweep = await sweepReminders(this.db, {
        now,
        rotationDays: settings.rotationDays,
        timeZone,
        claimer,
        batchSize: this.o.sweepBatchSize,
        onBatch: heartbeat,
      });
      const dms = await this.drain({ claimer, heartbeat, rotationDays: settings.rotationDays, timeZone });
      const posted = await this.postDigest(slot, claimer, settings.rotationChannelId, settings.rotationDays, timeZone);
      await pruneReminders(this.db, now);
      await this.db.jobRun.deleteMany({
        where: { job: { in: [JOB_ROTATION, JOB_DIGEST] }, claimedAt: { lt: new Date(now.getTime() - 90 * DAY_MS) } },
      });
      if (!(await finishSlot(this.db, JOB_ROTATION, slot, claimer, this.s.clock()))) throw new LostClaimError(`${JOB_ROTATION} ${slot}`);
      this.s.metrics.jobRun(JOB_ROTATION, "ok");
      log.info({ sweep, dms, digestMessages: posted, rotationDays: settings.rotationDays }, "rotation reminders run finished");
      return { ran: true, slot, sweep, dms, digestMessages: posted };
    } catch (err) {
      this.s.metrics.jobRun(JOB_ROTATION, "failed");
      await failSlot(this.db, JOB_ROTATION, slot, claimer, this.s.clock(), String((err as Error)?.message ?? err)).catch(() => undefined);
      log.error({ err }, "rotation reminders run failed; it is retried once its claim expires, unsent reminders by the next drain");
      throw err;
    }
  }

  /**
   * Sends every pending reminder this run may claim, one message (or one split message) per
   * recipient. Called by each run and every minute, on every replica.
   */
  async drain(
    p: { claimer?: string; heartbeat?: () => Promise<void>; rotationDays?: number; timeZone?: string } = {},
  ): Promise<DrainResult> {
    const claimer = p.claimer ?? newClaimer(this.replicaId);
    let beat = this.s.clock().getTime();
    const heartbeat =
      p.heartbeat ??
      (async () => {
        const t = this.s.clock();
        if (t.getTime() - beat < HEARTBEAT_MS) return;
        beat = t.getTime();
        await refreshClaims(this.db, claimer, t);
      });
    const timeZone = p.timeZone ?? rotationTimeZone(this.s.config.TZ);
    const result: DrainResult = { recipients: 0, messages: 0, sent: 0, failed: 0, dropped: 0 };
    let rotationDays = p.rotationDays;
    let after = "";
    for (;;) {
      const { owners, last } = await claimRecipients(this.db, {
        now: this.s.clock(),
        claimer,
        after,
        limit: this.o.recipientsPerClaim ?? 10,
      });
      if (last === undefined) break;
      rotationDays ??= (await this.s.settings.effective()).rotationDays;
      for (const owner of owners) {
        if (this.stopping) return result;
        await heartbeat();
        await this.sendTo(owner, claimer, rotationDays, timeZone, result);
      }
      after = last;
    }
    return result;
  }

  private async sendTo(owner: string, claimer: string, rotationDays: number, timeZone: string, result: DrainResult): Promise<void> {
    const now = this.s.clock();
    const rows = await loadClaimedReminders(this.db, owner, claimer);
    const { send, drop } = partitionReminders(rows, now, { rotationDays, timeZone });
    result.dropped += await dropReminders(
      this.db,
      drop.map((r) => r.id),
      claimer,
    );
    if (send.length === 0) return;
    result.recipients += 1;
    const items: ReminderItem[] = send.map((r) => {
      const c = r.credential;
      return {
        reminderId: r.id,
        stage: r.stage,
        daysLeft: daysLeft(c.createdAt, rotationDays, now, timeZone, c.rotateBy),
        dueAt: dueDate(c.createdAt, rotationDays, c.rotateBy),
        creatorLeft: c.creatorLeftAt !== null,
        credentialId: c.id,
        environment: c.environment,
        label: c.label,
        sharedKey: c.sharedKey,
        createdAt: c.createdAt,
        lastUsedAt: c.lastUsedAt,
        appTitle: c.app.title,
        appPublicId: c.app.publicId,
      };
    });
    const messages = reminderMessages(items, { rotationDays });
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      await this.pacer.wait(owner);
      try {
        // A user id as channel posts into the bot's DM with that user.
        await postMessage(this.client, owner, m);
      } catch (err) {
        const f = classifySlackError(err);
        if (f.retryAfterMs) this.pacer.pause(owner, f.retryAfterMs);
        const left = messages.slice(i).flatMap((x) => x.reminderIds);
        const permanent = PERMANENT_DM_ERRORS.has(f.code);
        await markRemindersFailed(this.db, left, claimer, this.s.clock(), f.code, permanent);
        result.failed += left.length;
        this.s.metrics.reminderFailed(permanent, left.length);
        this.s.logger.warn(
          { recipient: owner, slackError: f.code, reminders: left.length, permanent },
          permanent ? "rotation reminder cannot be delivered; given up" : "rotation reminder not sent; retried later",
        );
        return;
      }
      const marked = await markRemindersSent(this.db, m.reminderIds, claimer, this.s.clock());
      if (marked < m.reminderIds.length) {
        this.s.logger.warn(
          { recipient: owner, expected: m.reminderIds.length, marked },
          "reminders sent after their claim was taken over; they may be sent twice",
        );
      }
      result.messages += 1;
      result.sent += marked;
      this.s.metrics.reminderSent(m.reminderIds.length);
      await this.o.afterPost?.("dm", owner);
    }
  }

  /** The run's digest, each message claimed as `<slot>#<part>` so a re-run posts only what is missing. */
  private async postDigest(
    slot: string,
    claimer: string,
    channel: string | undefined,
    rotationDays: number,
    timeZone: string,
  ): Promise<number> {
    if (!channel) return 0;
    const digest = await loadDigest(this.db, { now: this.s.clock(), rotationDays, timeZone });
    const messages = digestMessages(digest, { rotationDays });
    let posted = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const part = `${slot}#${i + 1}`;
      if (!(await this.claim(JOB_DIGEST, part, claimer, this.s.clock()))) continue;
      await this.pacer.wait(channel);
      try {
        await postMessage(this.client, channel, m);
      } catch (err) {
        const f = classifySlackError(err);
        if (f.retryAfterMs) this.pacer.pause(channel, f.retryAfterMs);
        if (f.permanent) {
          // Not in the channel, channel gone…: retrying every few minutes all day would not help.
          // This digest is given up (recorded on its claim row); the next run tries again.
          await this.db.jobRun.updateMany({
            where: { job: JOB_DIGEST, slot: part, claimedBy: claimer },
            data: { finishedAt: this.s.clock(), error: f.code },
          });
          this.s.logger.error(
            { channel, slackError: f.code, slot },
            "the rotation channel refuses AppKeys' messages: invite the app to it or change it with /apps settings. This digest is skipped",
          );
          return posted;
        }
        await failSlot(this.db, JOB_DIGEST, part, claimer, this.s.clock(), f.code);
        throw new Error(`rotation digest part ${i + 1} of ${messages.length} not posted to ${channel}: ${f.code}`);
      }
      await finishSlot(this.db, JOB_DIGEST, part, claimer, this.s.clock());
      posted += 1;
      await this.o.afterPost?.("digest", channel);
    }
    return posted;
  }

  /** Grace-period revocations whose time has come, by one replica per minute slot. */
  async runRevocations(slot: string = slotOf(this.s.clock())): Promise<number | undefined> {
    const claimer = newClaimer(this.replicaId);
    if (!(await this.claim(JOB_REVOCATIONS, slot, claimer, this.s.clock()))) return undefined;
    let total = 0;
    try {
      for (;;) {
        const n = await this.s.credentials.executeDueRevocations();
        total += n;
        if (n < 500 || this.stopping) break;
      }
      await finishSlot(this.db, JOB_REVOCATIONS, slot, claimer, this.s.clock());
      this.s.metrics.jobRun(JOB_REVOCATIONS, "ok");
      // One claim row a minute: keep two days of them (a range delete on the primary key).
      await this.db.jobRun.deleteMany({
        where: { job: JOB_REVOCATIONS, slot: { lt: slotOf(new Date(this.s.clock().getTime() - 2 * DAY_MS)) } },
      });
    } catch (err) {
      this.s.metrics.jobRun(JOB_REVOCATIONS, "failed");
      await failSlot(this.db, JOB_REVOCATIONS, slot, claimer, this.s.clock(), String((err as Error)?.message ?? err)).catch(
        () => undefined,
      );
      throw err;
    }
    if (total) this.s.logger.info({ revoked: total, slot }, "grace periods ended: keys revoked");
    return total;
  }

  /** ROTATION_CRON in TZ; null when the expression is invalid (logged once: then no reminders). */
  rotationSchedule(): CronSchedule | null {
    if (this.schedule === undefined) {
      try {
        this.schedule = new CronSchedule(this.s.config.ROTATION_CRON, rotationTimeZone(this.s.config.TZ));
      } catch (err) {
        this.s.logger.error(
          { err, ROTATION_CRON: this.s.config.ROTATION_CRON },
          "ROTATION_CRON is not a valid cron expression: no rotation reminders",
        );
        this.schedule = null;
      }
    }
    return this.schedule;
  }

  /** The latest ROTATION_CRON fire at or before now (undefined when the expression is invalid). */
  latestRotationSlot(): string | undefined {
    const fire = this.rotationSchedule()?.latestFire(this.s.clock());
    return fire ? slotOf(fire) : undefined;
  }

  /** The run of the latest ROTATION_CRON fire, unless it ran already (failures are logged by runRotation). */
  async runDueRotation(): Promise<RotationRunResult | undefined> {
    const slot = this.latestRotationSlot();
    return slot ? this.runRotation(slot).catch(() => undefined) : undefined;
  }

  /** Grace-period revocations whose time has come, then reminders left unsent. Failures are logged, never thrown. */
  async revocationsAndDrain(): Promise<void> {
    await this.revocationsLogged();
    await this.drainLogged();
  }

  /**
   * One minute's work, one step after the other: revocations, the due run, the drain. Each step
   * is claimed in the database, so this is safe on any replica. Tests drive the jobs with it.
   */
  async tick(): Promise<void> {
    await this.revocationsLogged();
    await this.runDueRotation();
    await this.drainLogged();
  }

  private async revocationsLogged(): Promise<void> {
    await this.runRevocations().catch((err) => this.s.logger.error({ err }, "grace-period revocations failed; retried next minute"));
  }

  private async drainLogged(): Promise<void> {
    if (this.stopping) return;
    await this.drain().catch((err) => this.s.logger.error({ err }, "rotation reminder drain failed; retried next minute"));
  }
}

/** Kept as a named export for tests; see workerSlackClient. */
export const rotationClient = workerSlackClient;

/**
 * The one schedule: a node-cron task every minute, in TZ. Each minute starts the due rotation run
 * unless this process is still busy with one (a big install's first run may take many minutes:
 * it goes on beside the next minutes, so grace-period revocations stay on time), then does the
 * revocations and the drain.
 */
export class RotationWorker implements Worker {
  readonly name = "rotation";
  private task: MinuteTask | undefined;
  private run: Promise<unknown> | undefined;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly s: Services,
    readonly jobs: RotationJobs,
  ) {}

  start(): void {
    if (this.task) return;
    const timezone = rotationTimeZone(this.s.config.TZ);
    const log = this.s.logger;
    // node-cron's own messages; "still running" (a long drain overlapping the next minute) is expected.
    const logger = {
      info: (m: string) => log.debug(m),
      warn: (m: string) => (/overlap|still running/.test(m) ? log.debug(m) : log.warn(m)),
      error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, "node-cron error"),
      debug: () => undefined,
    };
    // An invalid ROTATION_CRON is logged once (no reminders then); revocations still run.
    if (this.jobs.rotationSchedule()) log.info({ cron: this.s.config.ROTATION_CRON, timezone }, "rotation reminders scheduled");
    this.task = everyMinute(() => this.minute(), { timezone, name: "appkeys-rotation", logger });
  }

  async stop(): Promise<void> {
    this.jobs.abort();
    const task = this.task;
    this.task = undefined;
    await task?.destroy();
    await Promise.allSettled([...this.running]);
  }

  private minute(): Promise<void> {
    if (!this.run) {
      this.run = this.track(this.jobs.runDueRotation()).finally(() => {
        this.run = undefined;
      });
    }
    return this.track(this.jobs.revocationsAndDrain());
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => undefined);
    return p;
  }
}

export const rotationWorker: WorkerFactory = (s, client) =>
  new RotationWorker(s, new RotationJobs(s, rotationClient(client, s), { pacer: createPacer() }));
