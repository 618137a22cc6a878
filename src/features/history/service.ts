import type { Prisma } from "../../generated/prisma/client.js";
import type { Database } from "../../platform/db/database.js";
import { othersWriting } from "../../platform/db/locks.js";
import { canManage, type Actor } from "../apps/access.js";
import { DomainError } from "../../shared/errors.js";
import { cleanText, titleKey } from "../../shared/text.js";

export type AuditRow = Prisma.AuditEventGetPayload<object>;
export const HISTORY_PAGE = 10;
export const EXPORT_MAX = 1000;
const APP_ID = /^app_[0-9A-Za-z]{12}$/;

export interface HistoryApp {
  id: string;
  publicId: string;
  title: string;
  archived: boolean;
}

/**
 * The audit trail read back: an app's history in Slack (`/apps audit`, newest first, paged by
 * event id) and the export for SIEMs (`GET /v1/audit`, oldest first from a cursor).
 */
export class HistoryService {
  constructor(private readonly db: Database) {}

  /**
   * The app (by App ID, archived ones included, or by title among live apps) if the actor may
   * read its history: its owners (team members included), approvers and admins.
   */
  async appFor(actor: Actor & { isApprover: boolean }, ref: string): Promise<HistoryApp> {
    const wanted = cleanText(ref);
    if (!wanted) throw new DomainError("app.ref_missing", {});
    const include = { owners: { where: { userId: actor.userId } } } as const;
    const app = APP_ID.test(wanted)
      ? await this.db.prisma.app.findUnique({ where: { publicId: wanted }, include })
      : await this.db.prisma.app.findFirst({ where: { teamId: actor.teamId, titleKey: titleKey(wanted), archivedAt: null }, include });
    const allowed = app && app.teamId === actor.teamId && (canManage(actor, app) || actor.isApprover);
    if (!app || app.teamId !== actor.teamId || (!allowed && !APP_ID.test(wanted))) {
      // Strangers learn nothing about titles they cannot see.
      throw APP_ID.test(wanted)
        ? new DomainError("app.not_found_by_id", { appId: wanted })
        : new DomainError("app.not_found_by_title", { title: wanted });
    }
    if (!allowed) throw new DomainError("audit.forbidden", {});
    return { id: app.id, publicId: app.publicId, title: app.title, archived: app.archivedAt !== null };
  }

  /** Up to HISTORY_PAGE events of the app older than `before` (an event id), newest first. */
  async page(appId: string, before?: bigint): Promise<{ events: AuditRow[]; more: boolean }> {
    const rows = await this.db.prisma.auditEvent.findMany({
      where: { appId, ...(before !== undefined ? { id: { lt: before } } : {}) },
      orderBy: { id: "desc" },
      take: HISTORY_PAGE + 1,
    });
    return { events: rows.slice(0, HISTORY_PAGE), more: rows.length > HISTORY_PAGE };
  }

  /**
   * Events after `since` in id order, at most `limit`. On PostgreSQL ids are taken at insert but
   * committed in any order: the export stops before a missing id while another session is
   * writing audit events (it may hold that id), so a cursor never skips an event. PGlite runs one
   * transaction at a time: every id it handed out is committed or rolled back.
   */
  async exportSince(since: bigint, limit: number): Promise<{ events: AuditRow[]; cursor: bigint; more: boolean }> {
    const rows = await this.db.prisma.auditEvent.findMany({
      where: { id: { gt: since } },
      orderBy: { id: "asc" },
      take: limit + 1,
    });
    let events = rows.slice(0, limit);
    if (this.db.kind === "postgres" && events.length) {
      const gap = firstGap(since, events);
      if (gap >= 0 && (await this.db.withConnection((sql) => othersWriting(sql, "audit_event")))) {
        events = events.slice(0, gap);
        return { events, cursor: events.at(-1)?.id ?? since, more: true };
      }
    }
    return { events, cursor: events.at(-1)?.id ?? since, more: rows.length > limit };
  }
}

/** Index of the first event whose id does not follow the previous one (or `since`); -1 when none. */
export function firstGap(since: bigint, events: Array<{ id: bigint }>): number {
  let prev = since;
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.id !== prev + 1n && !(i === 0 && since === 0n)) return i;
    prev = events[i]!.id;
  }
  return -1;
}
