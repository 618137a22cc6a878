import { EventEmitter } from "node:events";
import type { Config } from "./config.js";
import type { Database } from "./platform/db/database.js";
import { AppService } from "./features/apps/service.js";
import type { Actor } from "./features/apps/access.js";
import type { Clock } from "./shared/clock.js";
import { EndpointDirectory } from "./features/catalog/service.js";
import { CredentialService } from "./features/credentials/service.js";
import type { Logger } from "./logger.js";
import { SettingsService } from "./features/settings/service.js";
import { VerifyService, sqlCredentialStore } from "./features/verify/service.js";
import { ApproverDirectory } from "./features/approvals/approvers.js";
import { ApprovalService } from "./features/approvals/service.js";
import { HomeService } from "./features/home/service.js";
import { OwnerService } from "./features/owners/service.js";
import type { Metrics } from "./platform/metrics/registry.js";
import { TeamService } from "./features/teams/service.js";
import { OffboardingService } from "./features/offboarding/service.js";

/** Everything listeners and workers need, built once at start-up. */
export interface Services {
  config: Config;
  db: Database;
  logger: Logger;
  clock: Clock;
  apps: AppService;
  credentials: CredentialService;
  /** Production requests waiting for an approver (the decisions themselves: credentials.decide/collect). */
  approvals: ApprovalService;
  owners: OwnerService;
  /** Slack user groups owning apps, and their cached membership. */
  teams: TeamService;
  /** People leaving: ownership removed, requests cancelled, keys flagged. */
  offboarding: OffboardingService;
  home: HomeService;
  endpoints: EndpointDirectory;
  settings: SettingsService;
  approvers: ApproverDirectory;
  /** Gateway key verification (credential index, throttling, last use); started by app.ts. */
  verify: VerifyService;
  /** Prometheus counters (GET /metrics); features call its small recording methods. */
  metrics: Metrics;
  /**
   * In-process notifications: "app.changed" (appId) redraws its current owners' App Home tabs,
   * "owner.removed" the tab of someone who no longer owns an app, and "slack.rate_limited" each
   * time Slack reports the app over its Events API limit (metrics).
   */
  bus: EventEmitter<{
    "app.changed": [appId: string];
    "owner.removed": [userId: string, teamId: string];
    "slack.rate_limited": [info: { teamId?: string; minute?: Date }];
  }>;
  actor(userId: string, teamId: string): Actor;
}

export function createServices(p: { config: Config; db: Database; logger: Logger; clock: Clock; metrics: Metrics }): Services {
  const admins = new Set(p.config.ADMIN_USER_IDS);
  const endpoints = new EndpointDirectory();
  const isAdmin = (userId: string) => admins.has(userId);
  return {
    ...p,
    apps: new AppService(p.db.prisma, p.clock, p.config.KEY_PEPPER),
    credentials: new CredentialService(p.db, p.clock, p.config.KEY_PEPPER, isAdmin),
    approvals: new ApprovalService({ db: p.db, clock: p.clock, pepper: p.config.KEY_PEPPER, isAdmin }),
    owners: new OwnerService(p.db.prisma, p.clock),
    teams: new TeamService(p.db.prisma, p.clock),
    offboarding: new OffboardingService(p.db.prisma, p.clock, p.config.OFFBOARD_ROTATE_DAYS),
    home: new HomeService(p.db.prisma),
    endpoints,
    settings: new SettingsService(p.db.prisma, p.config, p.clock),
    approvers: new ApproverDirectory(p.config, p.logger),
    verify: new VerifyService({
      store: sqlCredentialStore(p.db),
      clock: p.clock,
      pepper: p.config.KEY_PEPPER,
      endpoints,
      logger: p.logger,
    }),
    bus: new EventEmitter(),
    actor: (userId, teamId) => ({ userId, teamId, isAdmin: isAdmin(userId) }),
  };
}
