import { MinuteWorker } from "../../platform/jobs/every-minute.js";
import type { webApi } from "@slack/bolt";
import type { WorkerFactory } from "../../platform/jobs/worker.js";
import { CronSchedule, REPLICA_ID, claimSlot, failSlot, finishSlot, newClaimer, slotOf } from "../../platform/jobs/scheduler.js";
import type { Services } from "../../services.js";
import { rotationTimeZone } from "../rotation/service.js";
import { TeamSync, type RefreshAllResult } from "../teams/slack/sync.js";
import { Departures, type ReconcileResult } from "./slack/departures.js";
import { reportOrphans } from "./slack/report.js";

export const JOB_DIRECTORY = "directory-sync";

export interface DirectoryRunResult {
  ran: boolean;
  slot: string;
  teams?: Omit<RefreshAllResult, "orphans">;
  people?: Omit<ReconcileResult, "orphans">;
  orphans?: number;
}

/**
 * The daily directory run (DIRECTORY_SYNC_CRON, default 06:00 in TZ): re-reads every team owning
 * an app, then asks users.info about every owner (a departure whose event was missed), then
 * sends the admins one report of the apps the run left without owner. Claimed per slot in
 * job_run like the rotation run: one replica runs it, a missed fire is caught up within a week.
 */
export class DirectoryJobs {
  private readonly schedule: CronSchedule;
  private stopping = false;

  constructor(
    private readonly s: Services,
    private readonly client: webApi.WebClient,
    private readonly replicaId = REPLICA_ID,
  ) {
    this.schedule = new CronSchedule(s.config.DIRECTORY_SYNC_CRON, rotationTimeZone(s.config.TZ));
  }

  abort(): void {
    this.stopping = true;
  }

  latestSlot(): string | undefined {
    const fire = this.schedule.latestFire(this.s.clock());
    return fire ? slotOf(fire) : undefined;
  }

  async run(slot: string): Promise<DirectoryRunResult> {
    const claimer = newClaimer(this.replicaId);
    const db = this.s.db.prisma;
    if (!(await claimSlot(db, JOB_DIRECTORY, slot, claimer, this.s.clock()))) return { ran: false, slot };
    try {
      const { orphans: lostTeams, ...teams } = await new TeamSync(this.s, this.client).refreshAll();
      const { orphans: lostPeople, ...people } = await new Departures(this.s, this.client).reconcile({ isStopping: () => this.stopping });
      const orphans = [...lostTeams, ...lostPeople];
      await reportOrphans(this.s, this.client, orphans);
      await finishSlot(db, JOB_DIRECTORY, slot, claimer, this.s.clock());
      this.s.logger.info({ slot, teams, people, orphans: orphans.length }, "daily directory run finished");
      return { ran: true, slot, teams, people, orphans: orphans.length };
    } catch (err) {
      await failSlot(db, JOB_DIRECTORY, slot, claimer, this.s.clock(), String((err as Error)?.message ?? err)).catch(() => undefined);
      this.s.logger.error({ err, slot }, "daily directory run failed; retried once its claim expires");
      throw err;
    }
  }

  /** The run of the latest fire, unless it ran already. Failures are logged, never thrown. */
  async tick(): Promise<DirectoryRunResult | undefined> {
    const slot = this.latestSlot();
    return slot ? this.run(slot).catch(() => undefined) : undefined;
  }
}

export const directoryWorker: WorkerFactory = (s, client) => {
  const jobs = new DirectoryJobs(s, client);
  return new MinuteWorker("directory", {
    timezone: rotationTimeZone(s.config.TZ),
    tick: () => jobs.tick(),
    abort: () => jobs.abort(),
    onError: () => undefined, // tick() logs and never throws
  });
};
