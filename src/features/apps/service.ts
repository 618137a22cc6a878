import type { PrismaClient, Prisma } from "../../generated/prisma/client.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { issueCredential, type IssuedCredential } from "../credentials/issue.js";
import { canManage, type Actor } from "./access.js";
import { DomainError, isUniqueViolation } from "../../shared/errors.js";
import { SECRET_IN_TEXT_MESSAGE, containsSecret, newAppPublicId, type Environment } from "../credentials/key-format.js";
import { cleanMultiline, cleanText, titleKey } from "../../shared/text.js";
import { loadTeams, type TeamInfo } from "../teams/service.js";

export { canManage, type Actor } from "./access.js";

export const TITLE_MAX = 80;
export const DESCRIPTION_MAX = 500;
export const APP_ID_PATTERN = /^app_[0-9A-Za-z]{12}$/;

export interface NewAppInput {
  title: string;
  description: string;
}

type AppRow = Prisma.AppGetPayload<{ include: { owners: true } }>;

export interface AppSummary {
  id: string;
  publicId: string;
  title: string;
  description: string;
  activeKeys: number;
}

export interface AppDetails {
  app: AppRow;
  credentials: Prisma.CredentialGetPayload<object>[];
  endpoints: Prisma.EndpointGetPayload<object>[];
  /** User groups owning the app (their members are in app.owners with role "team"). */
  teams: TeamInfo[];
}

export class AppService {
  constructor(
    private readonly db: PrismaClient,
    private readonly clock: Clock,
    private readonly pepper?: string,
  ) {}

  /** Field errors for the first step of "New App" (title, description). */
  async validateNewApp(actor: Actor, input: NewAppInput): Promise<Record<string, string>> {
    const errors: Record<string, string> = {};
    const title = cleanText(input.title ?? "");
    const description = cleanMultiline(input.description ?? "");
    if (!title) errors.title = "Give the app a title.";
    else if (title.length > TITLE_MAX) errors.title = `Keep the title to ${TITLE_MAX} characters (it has ${title.length}).`;
    else if (await this.titleTaken(actor.teamId, title)) errors.title = `An app called "${title}" already exists. Pick another title.`;
    if (description.length > DESCRIPTION_MAX) {
      errors.description = `Keep the description to ${DESCRIPTION_MAX} characters (it has ${description.length}).`;
    }
    if (containsSecret(title)) errors.title = SECRET_IN_TEXT_MESSAGE;
    if (containsSecret(description)) errors.description = SECRET_IN_TEXT_MESSAGE;
    return errors;
  }

  async titleTaken(teamId: string, title: string): Promise<boolean> {
    const hit = await this.db.app.findFirst({
      where: { teamId, titleKey: titleKey(title), archivedAt: null },
      select: { id: true },
    });
    return hit !== null;
  }

  /**
   * Creates the app, its owner, its connected endpoints and its first key pair in one
   * transaction. Returns the secret in memory only; the caller delivers it and forgets it.
   */
  async createApp(
    actor: Actor,
    input: NewAppInput & { endpointIds: string[]; environment: Environment; label?: string; needsApproval?: boolean },
  ): Promise<{ app: AppRow; issued?: IssuedCredential; approvalId?: string }> {
    const title = cleanText(input.title);
    const description = cleanMultiline(input.description ?? "");
    if (!title || title.length > TITLE_MAX) throw new DomainError("app.title_invalid", {}, { title: "Invalid title." });
    if (description.length > DESCRIPTION_MAX) throw new DomainError("app.description_too_long", {});
    const endpointIds = [...new Set(input.endpointIds)];
    if (endpointIds.length === 0) throw new DomainError("app.no_endpoints", {}, { endpoints: "Select at least one API endpoint." });
    const now = this.clock();
    try {
      return await this.db.$transaction(async (tx) => {
        const live = await tx.endpoint.count({ where: { id: { in: endpointIds }, retiredAt: null } });
        if (live !== endpointIds.length) {
          throw new DomainError(
            "app.endpoints_retired",
            {},
            {
              endpoints: "Some selected endpoints are no longer in the catalog. Select again.",
            },
          );
        }
        const app = await tx.app.create({
          data: {
            publicId: newAppPublicId(),
            teamId: actor.teamId,
            title,
            titleKey: titleKey(title),
            description,
            ownerId: actor.userId,
            createdAt: now,
            owners: { create: { userId: actor.userId, role: "owner", addedBy: actor.userId, createdAt: now } },
            endpoints: { create: endpointIds.map((endpointId) => ({ endpointId, createdAt: now })) },
          },
          include: { owners: true },
        });
        await recordAudit(tx, {
          actorId: actor.userId,
          action: "app.created",
          teamId: actor.teamId,
          app,
          details: { endpoints: endpointIds.length },
          at: now,
        });
        if (input.needsApproval) {
          // A production key for a non-approver: the app exists at once, the key waits for an approver.
          const approval = await tx.approval.create({
            data: {
              kind: "GENERATE",
              appId: app.id,
              requesterId: actor.userId,
              payload: { environment: input.environment, label: input.label ?? "" },
              createdAt: now,
            },
          });
          await recordAudit(tx, {
            actorId: actor.userId,
            action: "credential.requested",
            teamId: actor.teamId,
            app,
            environment: input.environment,
            details: { approvalId: approval.id, label: input.label || undefined },
            at: now,
          });
          return { app, approvalId: approval.id };
        }
        const issued = await issueCredential(tx, {
          app,
          teamId: actor.teamId,
          environment: input.environment,
          label: input.label ?? "",
          createdBy: actor.userId,
          pepper: this.pepper,
          now,
        });
        return { app, issued };
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new DomainError(
          "app.title_taken_meanwhile",
          { title },
          {
            title: `An app called "${title}" already exists.`,
          },
        );
      }
      throw err;
    }
  }

  /** Apps the actor owns or co-owns (admins too: only their own here), newest first. */
  async listApps(actor: Actor): Promise<AppSummary[]> {
    const apps = await this.db.app.findMany({
      where: { teamId: actor.teamId, archivedAt: null, owners: { some: { userId: actor.userId } } },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      select: {
        id: true,
        publicId: true,
        title: true,
        description: true,
        _count: { select: { credentials: { where: { status: "ACTIVE" } } } },
      },
    });
    return apps.map((a) => ({
      id: a.id,
      publicId: a.publicId,
      title: a.title,
      description: a.description,
      activeKeys: a._count.credentials,
    }));
  }

  /**
   * Finds an app by App ID or title and checks the actor may manage it. Titles only match apps
   * the actor can see, so a stranger learns nothing about other teams' app names.
   */
  async resolveApp(actor: Actor, ref: string): Promise<AppRow> {
    const wanted = cleanText(ref);
    if (!wanted) throw new DomainError("app.ref_missing", {});
    let app: AppRow | null;
    if (APP_ID_PATTERN.test(wanted)) {
      app = await this.db.app.findUnique({ where: { publicId: wanted }, include: { owners: true } });
      if (!app || app.archivedAt || app.teamId !== actor.teamId) throw new DomainError("app.not_found_by_id", { appId: wanted });
    } else {
      app = await this.db.app.findFirst({
        where: { teamId: actor.teamId, titleKey: titleKey(wanted), archivedAt: null },
        include: { owners: true },
      });
      if (!app || !canManage(actor, app)) throw new DomainError("app.not_found_by_title", { title: wanted });
    }
    if (!canManage(actor, app)) throw new DomainError("app.details_forbidden", {});
    return app;
  }

  async details(actor: Actor, ref: string): Promise<AppDetails> {
    const app = await this.resolveApp(actor, ref);
    const [credentials, links, teams] = await Promise.all([
      this.db.credential.findMany({
        where: { appId: app.id },
        orderBy: [{ status: "asc" }, { createdAt: "desc" }, { id: "asc" }],
      }),
      this.db.appEndpoint.findMany({
        where: { appId: app.id },
        include: { endpoint: true },
        orderBy: [{ endpoint: { api: "asc" } }, { endpoint: { path: "asc" } }, { endpoint: { method: "asc" } }],
      }),
      loadTeams(this.db, [app.id]),
    ]);
    return { app, credentials, endpoints: links.map((l) => l.endpoint), teams: teams.get(app.id) ?? [] };
  }

  /** What archiving the app (by App ID or title) would do: its active keys and pending requests. */
  async archivePreview(actor: Actor, ref: string): Promise<{ app: AppRow; activeKeys: number; pendingRequests: number }> {
    const app = await this.resolveApp(actor, ref);
    const [activeKeys, pendingRequests] = await Promise.all([
      this.db.credential.count({ where: { appId: app.id, status: "ACTIVE" } }),
      this.db.approval.count({ where: { appId: app.id, status: "PENDING" } }),
    ]);
    return { app, activeKeys, pendingRequests };
  }

  /**
   * Archives an app: its active keys are revoked, pending requests cancelled, its title freed.
   * Returns the revoked keys so verification caches can be told after commit.
   */
  async archive(actor: Actor, appId: string): Promise<{ app: AppRow; revoked: { id: string; sharedKey: string }[] }> {
    const now = this.clock();
    return this.db.$transaction(async (tx) => {
      // Row lock: a key issued concurrently either commits before (and is revoked here) or waits and sees the archive.
      await tx.$executeRaw`SELECT 1 FROM app WHERE id = ${appId} FOR UPDATE`;
      const app = await tx.app.findUnique({ where: { id: appId }, include: { owners: true } });
      if (!app || app.teamId !== actor.teamId) throw new DomainError("app.gone", {});
      if (!canManage(actor, app)) throw new DomainError("app.archive_forbidden", {});
      if (app.archivedAt) throw new DomainError("app.already_archived", { title: app.title });
      const active = await tx.credential.findMany({
        where: { appId, status: "ACTIVE" },
        select: { id: true, sharedKey: true, environment: true },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      await tx.credential.updateMany({
        where: { appId, status: "ACTIVE" },
        data: { status: "REVOKED", revokedAt: now, revokedBy: actor.userId, revokeReason: "app_archived" },
      });
      const cancelled = await tx.approval.updateMany({
        where: { appId, status: "PENDING" },
        data: { status: "CANCELLED", decidedAt: now, decidedBy: actor.userId, decisionNote: "app archived" },
      });
      const archived = await tx.app.update({ where: { id: appId }, data: { archivedAt: now }, include: { owners: true } });
      await recordAudit(tx, {
        actorId: actor.userId,
        action: "app.archived",
        teamId: app.teamId,
        app,
        details: { revokedKeys: active.length, cancelledRequests: cancelled.count || undefined },
        at: now,
      });
      for (const c of active) {
        await recordAudit(tx, {
          actorId: actor.userId,
          action: "credential.revoked",
          teamId: app.teamId,
          app,
          credentialId: c.id,
          environment: c.environment,
          reason: "app_archived",
          at: now,
        });
      }
      return { app: archived, revoked: active };
    });
  }
}
