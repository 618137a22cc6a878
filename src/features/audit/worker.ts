import type { Worker, WorkerFactory } from "../../platform/jobs/worker.js";
import { deliverAuditEvents, type AuditEventRow, MAX_PER_RUN } from "./delivery.js";
import { classifySlackError, postMessage, type Poster } from "../../platform/jobs/poster.js";
import type { Services } from "../../services.js";
import { workerSlackClient } from "../../platform/slack/background-client.js";
import { auditMessage } from "./slack/blocks.js";

export const POLL_INTERVAL_MS = 500;

/** Kept here for tests; see platform/jobs/poster.ts. */
export { classifySlackError };

/**
 * Posts every due audit event, in id order, to `channel`. Returns how many were delivered.
 *
 * A failure that will not fix itself (PERMANENT_SLACK_ERRORS: bot not invited, channel archived)
 * still keeps the event and retries it (capped back-off, every 5 minutes) rather than dropping it:
 * an audit trail with a hole is worse than a late one, and the usual cause is fixed by a person,
 * after which delivery resumes in order. Each such failure is logged at error level.
 */
export async function deliverTo(s: Services, client: Poster, channel: string): Promise<number> {
  return deliverAuditEvents(s.db, s.clock, {
    async post(event: AuditEventRow) {
      await postMessage(client, channel, auditMessage(event));
    },
    classify: classifySlackError,
    onFailure(event, failure, nextAttemptAt) {
      const fields = {
        eventId: String(event.id),
        action: event.action,
        channel,
        slackError: failure.code,
        attempts: event.attempts + 1,
        nextAttemptAt,
      };
      if (failure.permanent) {
        s.logger.error(
          fields,
          "the audit channel refuses AppKeys' messages: invite the app to the channel or change the audit channel. Events are kept and retried in order",
        );
      } else {
        s.logger.warn(fields, "audit event not delivered yet; retrying with back-off");
      }
    },
    onGapGivenUp(event, missing) {
      s.logger.warn(
        { eventId: String(event.id), missing: String(missing) },
        "audit event id gap did not close in time; delivering past it",
      );
    },
    onMarkFailed(event, err) {
      s.logger.error({ eventId: String(event.id), err }, "audit event posted but not marked delivered; it will be posted again");
    },
  });
}

/** Delivers due audit events to the configured audit channel (none configured: nothing, 0). */
export async function deliverPending(s: Services, client: Poster): Promise<number> {
  const channel = (await s.settings.effective()).auditChannelId;
  if (!channel) return 0;
  return deliverTo(s, client, channel);
}

/** Kept as a named export for tests; see workerSlackClient. */
export const auditClient = workerSlackClient;

export class AuditWorker implements Worker {
  readonly name = "audit";
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private channel: string | null | undefined;
  private errorDelay = POLL_INTERVAL_MS;

  constructor(
    private readonly s: Services,
    private readonly client: Poster,
    private readonly intervalMs = POLL_INTERVAL_MS,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let next = this.intervalMs;
    try {
      const channel = (await this.s.settings.effective()).auditChannelId ?? null;
      this.noteChannel(channel);
      if (channel) {
        const delivered = await deliverTo(this.s, this.client, channel);
        // A full batch means a backlog: carry on at once.
        if (delivered >= MAX_PER_RUN) next = 0;
      }
      this.errorDelay = this.intervalMs;
    } catch (err) {
      if (this.stopped) return;
      this.s.logger.warn({ err }, "audit delivery run failed; retrying");
      this.errorDelay = Math.min(this.errorDelay * 2, 30_000);
      next = this.errorDelay;
    } finally {
      this.schedule(next);
    }
  }

  /** Logs once at start, and when an admin sets or clears the channel. */
  private noteChannel(channel: string | null): void {
    if (channel === this.channel) return;
    if (!channel) {
      this.s.logger.warn(
        "no audit channel (AUDIT_CHANNEL_ID) is set: audit events are kept in the database (table audit_event) and posted once one is set",
      );
    } else {
      this.s.logger.info({ channel }, "audit events are posted to the audit channel");
    }
    this.channel = channel;
  }
}

export const auditWorker: WorkerFactory = (s, client) => new AuditWorker(s, auditClient(client, s));
