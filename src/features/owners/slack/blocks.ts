import type { types } from "@slack/bolt";
import { isOriginalOwner, sortOwners, type OwnerLike } from "../service.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT, BLK, CB } from "../../../platform/slack/ids.js";
import { button, context, modal, plain, section, slackDate, type Block, type ModalView } from "../../../platform/slack/blocks.js";

/** Owners listed in the modal; the rest are summarised (100 blocks per view). */
export const MAX_OWNERS_SHOWN = 90;

export interface OwnersMeta {
  /** App ID (public). */
  a: string;
  /** The details modal this one was pushed from, to refresh it after a change. */
  d?: string;
}

export interface OwnersModalInput {
  app: { publicId: string; title: string; ownerId: string; owners: OwnerLike[] };
  meta: OwnersMeta;
  notice?: string;
}

export function ownerRemoveValue(publicId: string, userId: string): string {
  return `${publicId} ${userId}`;
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
  const owners = sortOwners(app, app.owners);
  const blocks: Block[] = [
    section(
      `*${mrkdwnEscape(truncate(app.title, 150))}* (\`${app.publicId}\`)\nOwners and co-owners can see the app's details, generate and revoke its keys, and share it.`,
    ),
  ];
  if (p.notice) blocks.push(section(p.notice));
  for (const o of owners.slice(0, MAX_OWNERS_SHOWN)) {
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
  if (owners.length > MAX_OWNERS_SHOWN) {
    blocks.push(context(`${owners.length - MAX_OWNERS_SHOWN} more not shown. Remove one with \`/apps unshare ${app.publicId} @person\`.`));
  }
  blocks.push({
    type: "input",
    block_id: BLK.ownerAdd,
    label: plain("Add a co-owner"),
    element: { type: "users_select", action_id: ACT.ownerAdd, placeholder: plain("Pick a person") },
    hint: plain("They get the same rights as you on this app, and a direct message from AppKeys."),
  });
  return modal({
    title: "App owners",
    callbackId: CB.owners,
    submit: "Add co-owner",
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
