import type { SettingChange, SettingShown, SettingsShown } from "../admin.js";
import { ROTATION_DAYS_MAX, ROTATION_DAYS_MIN } from "../admin.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { context, modal, plain, section, slackDate, type Block, type ModalView } from "../../../platform/slack/blocks.js";

const LABELS = {
  auditChannelId: { name: "Audit channel", env: "AUDIT_CHANNEL_ID" },
  rotationChannelId: { name: "Rotation channel", env: "ROTATION_CHANNEL_ID" },
  rotationDays: { name: "Rotation period", env: "ROTATION_DAYS" },
} as const;

function valueText(key: keyof SettingsShown, v: string | number | undefined): string {
  if (v === undefined || v === "") return "_not set_";
  return key === "rotationDays" ? `${v} days` : `<#${v}>`;
}

function sourceText(key: keyof SettingsShown, s: SettingShown<string | number>): string {
  if (s.source === "changed")
    return `changed by <@${s.updatedBy}>${s.updatedAt ? ` ${slackDate(s.updatedAt, "{date_short_pretty}")}` : ""}`;
  if (s.source === "environment") return `from \`${LABELS[key].env}\``;
  return `\`${LABELS[key].env}\` is not set`;
}

function currentLines(v: SettingsShown): string {
  return (Object.keys(LABELS) as Array<keyof SettingsShown>)
    .map((k) => `• *${LABELS[k].name}*: ${valueText(k, v[k].value)} — ${sourceText(k, v[k] as SettingShown<string | number>)}`)
    .join("\n");
}

function channelInput(blockId: string, actionId: string, label: string, hint: string, initial?: string): Block {
  return {
    type: "input",
    block_id: blockId,
    optional: true,
    label: plain(label),
    element: {
      type: "conversations_select",
      action_id: actionId,
      placeholder: plain("Pick a channel"),
      filter: { include: ["public", "private"], exclude_bot_users: true },
      ...(initial ? { initial_conversation: initial } : {}),
    },
    hint: plain(hint),
  };
}

/** `/apps settings` (admins): current values with their source, and the fields to change them. */
export function settingsModal(v: SettingsShown): ModalView {
  return modal({
    title: "AppKeys settings",
    callbackId: CB.settings,
    submit: "Save",
    close: "Cancel",
    blocks: [
      section(`*Current settings*\n${currentLines(v)}`),
      channelInput(
        BLK.settingsAudit,
        ACT.settingsAudit,
        "Audit channel",
        "Every change to apps and keys is posted here. Clear it to use AUDIT_CHANNEL_ID again.",
        v.auditChannelId.value,
      ),
      channelInput(
        BLK.settingsRotation,
        ACT.settingsRotation,
        "Rotation channel",
        "Gets a digest of keys due for rotation on every reminder run. Clear it to use ROTATION_CHANNEL_ID again.",
        v.rotationChannelId.value,
      ),
      {
        type: "input",
        block_id: BLK.settingsDays,
        label: plain("Rotate keys every (days)"),
        element: {
          type: "number_input",
          action_id: ACT.settingsDays,
          is_decimal_allowed: false,
          min_value: String(ROTATION_DAYS_MIN),
          max_value: String(ROTATION_DAYS_MAX),
          initial_value: String(v.rotationDays.value ?? 90),
        },
        hint: plain(`Owners are reminded 14 and 7 days before, on the day, then weekly. ${ROTATION_DAYS_MIN} to ${ROTATION_DAYS_MAX}.`),
      },
      context(
        "Changes apply at once on every AppKeys instance and are recorded in the audit log. AppKeys must be a member of private channels it posts to.",
      ),
    ],
  });
}

export function settingsSavedModal(changes: SettingChange[], v: SettingsShown): ModalView {
  const lines = changes.map((c) => `• *${LABELS[c.key].name}*: ${valueText(c.key, c.from)} → ${valueText(c.key, c.to)}`);
  return modal({
    title: "AppKeys settings",
    callbackId: CB.result,
    close: "Close",
    blocks: [
      section(changes.length ? `:white_check_mark: Saved.\n${lines.join("\n")}` : ":information_source: Nothing changed."),
      section(`*Current settings*\n${currentLines(v)}`),
    ],
  });
}
