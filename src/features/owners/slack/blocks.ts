import type { types } from "@slack/bolt";
import { isOriginalOwner, isPersonal, sortOwners, type OwnerLike } from "../service.js";
import type { TeamInfo } from "../../teams/service.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { button, context, modal, plain, section, slackDate, type Block, type ModalView } from "../../../platform/slack/blocks.js";

/** Owners listed in the modal; the rest are summarised (100 blocks per view). */
export const MAX_OWNERS_SHOWN = 90;
/** Owning teams listed in the modal (their blocks come out of MAX_OWNERS_SHOWN). */
export const MAX_TEAMS_SHOWN = 10;

export interface OwnersMeta {
  /** App ID (public). */
  a: string;
  /** The details modal this one was pushed from, to refresh it after a change. */
  d?: string;
}

export interface OwnersModalInput {
  app: { publicId: string; title: string; ownerId: string; owners: OwnerLike[] };
  /** User groups owning the app: every member is an owner. */
  teams?: TeamInfo[];
  meta: OwnersMeta;
  notice?: string;
}

export function ownerRemoveValue(publicId: string, userId: string): string {
  return `${publicId} ${userId}`;
}

function teamRemoveButton(app: OwnersModalInput["app"], t: TeamInfo): types.Button {
  const name = t.handle ? `@${t.handle}` : t.groupId;
  return {
    ...button("Remove", ACT.teamRemove, ownerRemoveValue(app.publicId, t.groupId), "danger"),
    confirm: {
      title: plain("Remove this team?", 100),
      text: {
        type: "mrkdwn",
        text: truncate(
          `Members of ${mrkdwnEscape(name)} will no longer own *${mrkdwnEscape(app.title)}* (unless they own it in their own name).`,
          300,
        ),
      },
      confirm: plain("Remove", 30),
      deny: plain("Cancel", 30),
      style: "danger",
    },
  };
}

function removeButton(app: OwnersModalInput["app"], userId: string): types.Button {
  return {
    ...button("Remove", ACT.ownerRemove, ownerRemoveValue(app.publicId, userId), "danger"),
    confirm: {
      title: plain("Remove this co-owner?", 100),
      text: { type: "mrkdwn", text: truncate(`<@${userId}> will no longer be able to see or manage *${mrkdwnEscape(app.title)}*.`, 300) },
      confirm: plain("Remove", 30),
      deny: plain("Cancel", 30),
      style: "danger",
    },
  };
}

/** "Manage owners": everyone who owns the app, "Remove" per co-owner, and a person picker to add one. */
export function ownersModal(p: OwnersModalInput): ModalView {
  const { app } = p;
  const owners = sortOwners(app, app.owners.filter(isPersonal));
  const teams = p.teams ?? [];
  const blocks: Block[] = [
    section(
      `*${mrkdwnEscape(truncate(app.title, 150))}* (\`${app.publicId}\`)\nOwners, co-owners and the members of owning teams can see the app's details, generate and revoke its keys, and share it.`,
    ),
  ];
  if (p.notice) blocks.push(section(p.notice));
  let room = MAX_OWNERS_SHOWN;
  if (teams.length) {
    const shownTeams = teams.slice(0, MAX_TEAMS_SHOWN);
    blocks.push(section("*Teams*"));
    for (const t of shownTeams) {
      const name = t.handle ? `@${mrkdwnEscape(t.handle)}` : `\`${t.groupId}\``;
      const label = t.name && t.name !== t.handle ? ` (${mrkdwnEscape(truncate(t.name, 80))})` : "";
      blocks.push(section(`${name}${label} · ${t.members} member${t.members === 1 ? "" : "s"}`, { accessory: teamRemoveButton(app, t) }));
    }
    if (teams.length > shownTeams.length) blocks.push(context(`${teams.length - shownTeams.length} more teams not shown.`));
    room -= shownTeams.length + 2;
    blocks.push(section("*People*"));
  }
  if (owners.length === 0) blocks.push(section("_Nobody owns this app in their own name._"));
  for (const o of owners.slice(0, room)) {
    if (isOriginalOwner(app, o)) {
      blocks.push(section(`<@${o.userId}> · *Owner* (created the app)`));
    } else {
      blocks.push(
        section(`<@${o.userId}> · Co-owner, added by <@${o.addedBy}> ${slackDate(o.createdAt, "{date_short_pretty}")}`, {
          accessory: removeButton(app, o.userId),
        }),
      );
    }
  }
  if (owners.length > room) {
    blocks.push(context(`${owners.length - room} more not shown. Remove one with \`/apps unshare ${app.publicId} @person\`.`));
  }
  blocks.push(
    {
      type: "input",
      block_id: BLK.ownerAdd,
      optional: true,
      label: plain("Add a co-owner"),
      element: { type: "users_select", action_id: ACT.ownerAdd, placeholder: plain("Pick a person") },
      hint: plain("They get the same rights as you on this app, and a direct message from AppKeys."),
    },
    {
      type: "input",
      block_id: BLK.teamAdd,
      optional: true,
      label: plain("Or add a team"),
      element: { type: "external_select", action_id: ACT.teamAdd, placeholder: plain("Pick a user group"), min_query_length: 0 },
      hint: plain("Every member of the Slack user group owns the app, as the group changes."),
    },
  );
  return modal({
    title: "App owners",
    callbackId: CB.owners,
    submit: "Add",
    close: "Done",
    privateMetadata: JSON.stringify(p.meta),
    blocks,
  });
}

/** Shown in place of the owners modal when the viewer may no longer manage the app. */
export function ownersGoneModal(text: string): ModalView {
  return modal({ title: "App owners", close: "Close", blocks: [section(text)] });
}

export function addedText(app: { title: string; publicId: string }, userId: string): string {
  return `:white_check_mark: <@${userId}> is now a co-owner of *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`).`;
}

export function removedText(app: { title: string; publicId: string }, userId: string): string {
  return `:white_check_mark: <@${userId}> is no longer a co-owner of *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`).`;
}

/** Direct message to a new co-owner. */
export function welcomeText(app: { title: string; publicId: string }, by: string): string {
  return (
    `:wave: <@${by}> made you a co-owner of *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`). ` +
    `You can now see its details, generate and revoke its keys and share it: \`/apps show ${app.publicId}\`.`
  );
}

/** Direct message to a removed co-owner. */
export function farewellText(app: { title: string; publicId: string }, by: string): string {
  return `<@${by}> removed you as a co-owner of *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`). You can no longer see or manage it.`;
}

export function teamAddedText(app: { title: string; publicId: string }, handle: string, members: number): string {
  return `:white_check_mark: @${mrkdwnEscape(handle)} now owns *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`): its ${members} member${members === 1 ? "" : "s"} can see and manage it.`;
}

export function teamRemovedText(app: { title: string; publicId: string }, handle: string): string {
  return `:white_check_mark: @${mrkdwnEscape(handle)} no longer owns *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`).`;
}
