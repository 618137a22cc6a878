import type { AppDetails, AppSummary } from "../service.js";
import { maskSecret } from "../../credentials/key-format.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, CB } from "../../../platform/slack/ids.js";
import {
  ENV_EMOJI,
  ENV_LABEL,
  MESSAGE_TEXT_BUDGET,
  button,
  chunkLines,
  context,
  divider,
  header,
  modal,
  section,
  slackDate,
  textLength,
  type Block,
  type ModalView,
} from "../../../platform/slack/blocks.js";

export const LIST_PAGE_SIZE = 10;

/** `/apps list`: the user's apps as cards, paged to stay well inside 50 blocks per message. */
export function appListBlocks(apps: AppSummary[], page = 0): Block[] {
  if (apps.length === 0) {
    return [section("You have no apps yet. Create one to get API keys.", { accessory: button("New App", ACT.newApp, "new", "primary") })];
  }
  const pages = Math.max(1, Math.ceil(apps.length / LIST_PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const shown = apps.slice(p * LIST_PAGE_SIZE, (p + 1) * LIST_PAGE_SIZE);
  const blocks: Block[] = [header(`Your apps (${apps.length})`)];
  for (const a of shown) {
    const desc = a.description ? `\n${mrkdwnEscape(truncate(a.description.replace(/\n+/g, " "), 200))}` : "";
    const keys = `${a.activeKeys} active key${a.activeKeys === 1 ? "" : "s"}`;
    blocks.push(
      section(`*${mrkdwnEscape(a.title)}*${desc}\n\`${a.publicId}\` · ${keys}`, {
        accessory: button("View details", ACT.details, a.publicId),
      }),
    );
  }
  const nav = [];
  if (p > 0) nav.push(button("◀ Previous", `${ACT.listPage}_prev`, String(p - 1)));
  if (p < pages - 1) nav.push(button("Next ▶", `${ACT.listPage}_next`, String(p + 1)));
  nav.push(button("New App", ACT.newApp, "new", "primary"));
  blocks.push({ type: "actions", block_id: "app_list_nav", elements: nav });
  if (pages > 1) blocks.push(context(`Page ${p + 1} of ${pages}`));
  return blocks;
}

export const MAX_CREDENTIALS_SHOWN = 20;

export interface DetailsOptions {
  now: Date;
  /** Whether the viewer may revoke/generate (owners, co-owners, admins). */
  canManage: boolean;
}

/** App details: information, API credentials and connected APIs. Fits a message (≤ 50 blocks). */
export function appDetailsBlocks(d: AppDetails, opts: DetailsOptions): Block[] {
  const { app } = d;
  const blocks: Block[] = [header(truncate(app.title, 150))];
  // Team members' rows (role "team") are shown as their teams, below.
  const people = app.owners.filter((o) => o.role !== "team");
  const creatorOwns = people.some((o) => o.userId === app.ownerId);
  const others = people.filter((o) => o.userId !== app.ownerId);
  const coOwners = others.slice(0, 10).map((o) => `<@${o.userId}>`);
  if (others.length > 10) coOwners.push(`${others.length - 10} more`);
  const owner = creatorOwns
    ? `<@${app.ownerId}>${coOwners.length ? ` (+ ${coOwners.join(", ")})` : ""}`
    : `${coOwners.length ? coOwners.join(", ") : "_nobody in their own name_"}\n_created by <@${app.ownerId}>, no longer an owner_`;
  const teams = (d.teams ?? []).slice(0, 10).map((t) => `${t.handle ? `@${mrkdwnEscape(t.handle)}` : `\`${t.groupId}\``} (${t.members})`);
  if ((d.teams ?? []).length > 10) teams.push(`${d.teams.length - 10} more`);
  blocks.push({
    type: "section",
    fields: [
      { type: "mrkdwn", text: `*App ID*\n\`${app.publicId}\`` },
      { type: "mrkdwn", text: `*Owner*\n${owner}` },
      ...(teams.length ? [{ type: "mrkdwn" as const, text: `*Owning teams*\n${teams.join(", ")}` }] : []),
      { type: "mrkdwn", text: `*Created*\n${slackDate(app.createdAt)}` },
      { type: "mrkdwn", text: `*Active keys*\n${d.credentials.filter((c) => c.status === "ACTIVE").length}` },
    ],
  });
  blocks.push(section(app.description ? `*Description*\n${mrkdwnEscape(app.description)}` : "_No description._"));
  if (opts.canManage) {
    blocks.push({
      type: "actions",
      block_id: "app_actions",
      elements: [button("Generate Key", ACT.generateOpen, app.publicId, "primary"), button("Manage owners", ACT.owners, app.publicId)],
    });
  }
  blocks.push(divider(), header("API Credentials"));
  if (d.credentials.length === 0) blocks.push(section("_No keys yet._"));
  const shown = d.credentials.slice(0, MAX_CREDENTIALS_SHOWN);
  for (const c of shown) {
    const active = c.status === "ACTIVE";
    const status = active ? ":large_green_circle: *Active*" : ":white_circle: *Revoked*";
    const lines = [
      `${status} · ${ENV_EMOJI[c.environment]} ${ENV_LABEL[c.environment]}${c.label ? ` · ${mrkdwnEscape(c.label)}` : ""}`,
      `Shared key: \`${c.sharedKey}\``,
      `Secret key: \`${maskSecret(c.environment, c.secretLast4)}\``,
      `Created ${slackDate(c.createdAt)} · ID \`${c.id}\``,
    ];
    lines.push(c.lastUsedAt ? `Last used ${slackDate(c.lastUsedAt)}` : "Never used");
    if (active && c.revokeAt) lines.push(`:hourglass: Revokes ${slackDate(c.revokeAt)} (grace period)`);
    if (active && c.creatorLeftAt)
      lines.push(`:door: Creator left: rotate by ${slackDate(c.rotateBy ?? c.creatorLeftAt, "{date_short_pretty}")}`);
    if (active && c.snoozedUntil && c.snoozedUntil > opts.now)
      lines.push(`:zzz: Rotation reminder snoozed until ${slackDate(c.snoozedUntil, "{date_short_pretty}")}`);
    if (!active && c.revokedAt)
      lines.push(
        `Revoked ${slackDate(c.revokedAt)}${c.revokedBy ? ` by <@${c.revokedBy}>` : ""}${c.revokeReason ? ` · ${mrkdwnEscape(c.revokeReason)}` : ""}`,
      );
    // Revoke is offered on every active key; the handler re-checks who may revoke.
    blocks.push(section(lines.join("\n"), active && opts.canManage ? { accessory: button("Revoke", ACT.revoke, c.id, "danger") } : {}));
  }
  if (d.credentials.length > shown.length) {
    blocks.push(context(`${d.credentials.length - shown.length} older credentials not shown.`));
  }
  blocks.push(divider(), header(`Connected APIs (${d.endpoints.length})`));
  const lines: string[] = [];
  let api = "";
  for (const e of d.endpoints) {
    if (e.api !== api) {
      api = e.api;
      lines.push(`*${mrkdwnEscape(api)}*`);
    }
    lines.push(
      `• \`${e.method} ${mrkdwnEscape(e.path)}\`${e.summary ? ` ${mrkdwnEscape(truncate(e.summary, 80))}` : ""}${e.retiredAt ? " _(retired)_" : ""}`,
    );
  }
  // Both limits bind: 50 blocks, and the message's total text (many endpoints hit that first).
  const chunks = chunkLines(lines);
  const room = 50 - blocks.length - 1;
  let budget = MESSAGE_TEXT_BUDGET - textLength(blocks);
  let shownChunks = 0;
  for (const c of chunks.slice(0, room)) {
    const piece = c.length <= budget ? c : (chunkLines(c.split("\n"), Math.max(0, budget - 10))[0] ?? "");
    if (piece.length < 20) break;
    blocks.push(section(piece));
    budget -= piece.length;
    shownChunks++;
    if (piece !== c) break;
  }
  if (shownChunks < chunks.length) blocks.push(context(`More endpoints not shown (${d.endpoints.length} connected in all).`));
  if (d.endpoints.length === 0) blocks.push(section("_No endpoints connected._"));
  return blocks.slice(0, 50);
}

export function appDetailsModal(d: AppDetails, opts: DetailsOptions): ModalView {
  return modal({ title: "App details", callbackId: CB.details, close: "Close", blocks: appDetailsBlocks(d, opts) });
}

export function usageText(): string {
  return [
    "*AppKeys* — API apps and credentials, from Slack.",
    "• `/apps` or `/apps list` — your apps",
    "• `/apps create` (or `/apps new`) — create an app, connect API endpoints and get its first keys",
    "• `/apps show <App ID | title>` — app information, API credentials and connected APIs",
    "• `/apps share <App ID | title> @person` / `/apps unshare …` — add or remove a co-owner",
    "• `/apps share <App ID | title> @team` — every member of a Slack user group owns the app",
    "• `/apps keys generate <App ID | title>` — a new key pair (production keys need an approver)",
    "• `/apps keys revoke <credential ID>` — the Revoking the Key dialog",
    "• `/apps archive <App ID | title>` — archive an app and revoke its keys",
    "• `/apps audit <App ID | title>` — the app's history, newest first (owners, approvers, admins)",
    "• `/apps approvals` — requests waiting for an approver (approvers)",
    "• `/apps settings` — audit channel, rotation channel and rotation days (admins)",
    "• `/apps help` — this help",
  ].join("\n");
}
