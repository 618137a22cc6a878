import type { PrismaClient } from "../../generated/prisma/client.js";
import type { Config } from "../../config.js";
import type { Actor } from "../apps/access.js";
import { systemClock, type Clock } from "../../shared/clock.js";
import { changeSettings, describeSettings, type SettingChange, type SettingsInput, type SettingsShown } from "./admin.js";

/** Settings admins may change at run time (/apps settings); a stored value overrides the env. */
export const SETTING_KEYS = ["auditChannelId", "rotationChannelId", "rotationDays"] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export interface EffectiveSettings {
  auditChannelId?: string;
  rotationChannelId?: string;
  rotationDays: number;
}

export class SettingsService {
  constructor(
    private readonly db: PrismaClient,
    private readonly config: Config,
    private readonly clock: Clock = systemClock,
  ) {}

  /** What `/apps settings` shows: each value and where it comes from. */
  describe(): Promise<SettingsShown> {
    return describeSettings(this.db, this.config);
  }

  /** Admins only: applies and audits the changes in one transaction (see changeSettings). */
  change(actor: Actor, input: SettingsInput): Promise<{ changes: SettingChange[]; settings: SettingsShown }> {
    return changeSettings(this.db, this.clock, this.config, actor, input);
  }

  /** Read on every use (cheap: one indexed query) so every replica sees a change at once. */
  async effective(): Promise<EffectiveSettings> {
    const rows = await this.db.setting.findMany({ where: { key: { in: [...SETTING_KEYS] } } });
    const v = Object.fromEntries(rows.map((r) => [r.key, r.value])) as Partial<Record<SettingKey, string>>;
    const days = Number.parseInt(v.rotationDays ?? "", 10);
    return {
      auditChannelId: v.auditChannelId || this.config.AUDIT_CHANNEL_ID,
      rotationChannelId: v.rotationChannelId || this.config.ROTATION_CHANNEL_ID,
      rotationDays: Number.isFinite(days) && days > 0 ? days : this.config.ROTATION_DAYS,
    };
  }

  async set(key: SettingKey, value: string, userId: string): Promise<void> {
    await this.db.setting.upsert({ where: { key }, create: { key, value, updatedBy: userId }, update: { value, updatedBy: userId } });
  }
}
