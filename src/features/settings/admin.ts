import type { PrismaClient } from "../../generated/prisma/client.js";
import type { Config } from "../../config.js";
import type { Actor } from "../apps/access.js";
import { recordAudit } from "../audit/record.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import type { SettingKey } from "./service.js";

/**
 * `/apps settings`: what admins see and change. Stored values override the environment (see
 * SettingsService.effective(), which every replica reads on each use, so changes need no restart).
 * Clearing a channel deletes the stored value: the environment's applies again.
 */

export const ROTATION_DAYS_MIN = 1;
export const ROTATION_DAYS_MAX = 3650;
const CHANNEL_RE = /^[CG][A-Z0-9]{2,}$/;

export interface SettingShown<T> {
  value?: T;
  /** changed: stored by an admin; environment: from the env (or its default); unset: neither. */
  source: "changed" | "environment" | "unset";
  updatedBy?: string;
  updatedAt?: Date;
}

export interface SettingsShown {
  auditChannelId: SettingShown<string>;
  rotationChannelId: SettingShown<string>;
  rotationDays: SettingShown<number>;
}

export interface SettingsInput {
  auditChannelId?: string | null;
  rotationChannelId?: string | null;
  rotationDays: string | number;
}

export interface SettingChange {
  key: SettingKey;
  from?: string;
  to?: string;
}

type Row = { key: string; value: string; updatedBy: string; updatedAt: Date };

function shown(rows: Row[], config: Config): SettingsShown {
  const row = (k: SettingKey) => rows.find((r) => r.key === k && r.value !== "");
  const channel = (k: "auditChannelId" | "rotationChannelId", env?: string): SettingShown<string> => {
    const r = row(k);
    if (r) return { value: r.value, source: "changed", updatedBy: r.updatedBy, updatedAt: r.updatedAt };
    return env ? { value: env, source: "environment" } : { source: "unset" };
  };
  const d = row("rotationDays");
  const days = d ? Number.parseInt(d.value, 10) : Number.NaN;
  return {
    auditChannelId: channel("auditChannelId", config.AUDIT_CHANNEL_ID),
    rotationChannelId: channel("rotationChannelId", config.ROTATION_CHANNEL_ID),
    rotationDays:
      d && Number.isFinite(days) && days > 0
        ? { value: days, source: "changed", updatedBy: d.updatedBy, updatedAt: d.updatedAt }
        : { value: config.ROTATION_DAYS, source: "environment" },
  };
}

/** The effective values and where each comes from (same precedence as SettingsService.effective()). */
export async function describeSettings(db: PrismaClient, config: Config): Promise<SettingsShown> {
  const rows = await db.setting.findMany({ where: { key: { in: ["auditChannelId", "rotationChannelId", "rotationDays"] } } });
  return shown(rows, config);
}

/** Field errors keyed by setting name; empty when the input is fine. */
export function validateSettings(input: SettingsInput): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const k of ["auditChannelId", "rotationChannelId"] as const) {
    const v = input[k];
    if (v && !CHANNEL_RE.test(v)) errors[k] = "Pick a channel (not a direct message).";
  }
  const raw = String(input.rotationDays ?? "").trim();
  const days = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(days) || days < ROTATION_DAYS_MIN || days > ROTATION_DAYS_MAX) {
    errors.rotationDays = `Enter a whole number of days from ${ROTATION_DAYS_MIN} to ${ROTATION_DAYS_MAX}.`;
  }
  return errors;
}

/**
 * Admins only. Applies the changes and records one "settings.changed" audit event listing them,
 * in one transaction. Returns the changes (none: nothing was written) and the new values.
 */
export async function changeSettings(
  db: PrismaClient,
  clock: Clock,
  config: Config,
  actor: Actor,
  input: SettingsInput,
): Promise<{ changes: SettingChange[]; settings: SettingsShown }> {
  if (!actor.isAdmin) throw new DomainError("settings.forbidden", {});
  const errors = validateSettings(input);
  if (Object.keys(errors).length) throw new DomainError("input.invalid", {}, errors);
  const now = clock();
  return db.$transaction(async (tx) => {
    const rows = await tx.setting.findMany({ where: { key: { in: ["auditChannelId", "rotationChannelId", "rotationDays"] } } });
    const before = shown(rows, config);
    const changes: SettingChange[] = [];
    const stored = (k: SettingKey) => rows.find((r) => r.key === k)?.value;
    const put = async (key: SettingKey, value: string) => {
      await tx.setting.upsert({
        where: { key },
        create: { key, value, updatedBy: actor.userId, updatedAt: now },
        update: { value, updatedBy: actor.userId, updatedAt: now },
      });
    };
    for (const key of ["auditChannelId", "rotationChannelId"] as const) {
      const want = input[key] || undefined;
      const was = before[key].value;
      if (want === undefined) {
        // Cleared: fall back to the environment's channel, if the admin had changed it.
        if (stored(key) !== undefined) {
          await tx.setting.delete({ where: { key } });
          const env = key === "auditChannelId" ? config.AUDIT_CHANNEL_ID : config.ROTATION_CHANNEL_ID;
          if (was !== env) changes.push({ key, from: was, to: env });
        }
      } else if (want !== was) {
        await put(key, want);
        changes.push({ key, from: was, to: want });
      }
    }
    const days = String(Number(String(input.rotationDays).trim()));
    if (days !== String(before.rotationDays.value)) {
      await put("rotationDays", days);
      changes.push({ key: "rotationDays", from: String(before.rotationDays.value), to: days });
    }
    if (changes.length) {
      await recordAudit(tx, {
        actorId: actor.userId,
        action: "settings.changed",
        teamId: actor.teamId,
        details: { changes: changes.map((c) => ({ key: c.key, from: c.from ?? null, to: c.to ?? null })) },
        at: now,
      });
    }
    const after = await tx.setting.findMany({ where: { key: { in: ["auditChannelId", "rotationChannelId", "rotationDays"] } } });
    return { changes, settings: shown(after, config) };
  });
}
