/**
 * Messages of the leak response. None of them carries any part of a key: the channel reply names
 * the app only by its App ID; owners see the credential ID, environment and label.
 */
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ENV_LABEL, button, context, section, type Block } from "../../../platform/slack/blocks.js";
import { ACT } from "../../../platform/slack/ids.js";
import { withoutKeys, type LeakSource } from "../service.js";

export const LEAK_ACT = { replace: "leak_issue_replacement" } as const;

interface CredentialRef {
  id: string;
  environment: string;
  label: string;
}
interface AppRef {
  publicId: string;
  title: string;
}

/** Thread reply in the channel where secrets were posted. */
export function threadReplyText(appIds: string[]): string {
  const ids = [...new Set(appIds)].map((id) => `\`${id}\``);
  const what = ids.length === 1 ? "An AppKeys secret key" : `${ids.length} AppKeys secret keys`;
  const of = ids.length === 1 ? `app ${ids[0]}` : `apps ${ids.join(", ")}`;
  return (
    `:rotating_light: ${what} of ${of} ${ids.length === 1 ? "was" : "were"} posted here, so I revoked ${ids.length === 1 ? "it" : "them"}: ` +
    "a secret seen in a channel is no longer secret. Its owners have been told and can issue a replacement. " +
    "Please delete the message anyway, and never paste secret keys into Slack."
  );
}

/** Ephemeral note to whoever posted a key that is not live (unknown or already revoked). */
export const POSTER_NOTE =
  ":information_source: That looks like an AppKeys key. It is not a live secret, so nothing was revoked, but keys never belong in chat: please delete the message.";

/** "where" for owners: a permalink, a URL from a report, or the channel. Everything escaped. */
export function whereText(source: LeakSource, permalink?: string): string {
  const link = (url: string | undefined, label: string) => {
    const u = url ? withoutKeys(url, 1000) : "";
    return /^https?:\/\/[^\s<>|]+$/.test(u) ? `<${u}|${label}>` : u ? `\`${mrkdwnEscape(u).replaceAll("`", "'")}\`` : "";
  };
  switch (source.kind) {
    case "slack": {
      const where = permalink ? link(permalink, "this message") : "a message";
      return `${where} in <#${source.channel}>${source.poster ? `, posted by <@${source.poster}>` : ""}`;
    }
    case "github": {
      const where = link(source.url, "this location");
      const kind = source.source ? ` (${mrkdwnEscape(truncate(source.source, 40))})` : "";
      return `${where || "a public place"} on GitHub${kind}, found by GitHub secret scanning`;
    }
    case "scanner": {
      const where = link(source.url, "this location");
      return `${where || "a place"} reported by *${mrkdwnEscape(withoutKeys(source.source, 60))}*`;
    }
  }
}

function credentialLine(c: CredentialRef, app: AppRef): string {
  const label = c.label ? ` “${mrkdwnEscape(truncate(c.label, 60))}”` : "";
  return `\`${c.id}\`${label} · ${ENV_LABEL[c.environment] ?? mrkdwnEscape(c.environment)} · *${mrkdwnEscape(app.title)}* (\`${app.publicId}\`)`;
}

/** DM to each owner: a secret key leaked and was revoked; one click issues the replacement. */
export function revokedOwnerMessage(p: { credential: CredentialRef; app: AppRef; source: LeakSource; permalink?: string }): {
  text: string;
  blocks: Block[];
} {
  const production = p.credential.environment === "production";
  const blocks: Block[] = [
    section(`:rotating_light: *A secret key of your app was exposed, so I revoked it at once.*\n${credentialLine(p.credential, p.app)}`),
    section(`*Where:* ${whereText(p.source, p.permalink)}`),
    section(
      "Anyone who saw the secret could call the API as your app, so the key stopped working immediately. " +
        "Issue a replacement with the same environment and label: its secret comes to you privately, once." +
        (production ? " Production keys go to an approver first, as usual." : ""),
    ),
    {
      type: "actions",
      block_id: "leak_actions",
      elements: [button("Issue replacement", LEAK_ACT.replace, p.credential.id, "primary")],
    },
    context("Update every place that used the old key. Secrets belong in a secret manager, never in chat or code."),
  ];
  return {
    text: `A secret key of ${mrkdwnEscape(p.app.title)} (${p.app.publicId}) was exposed and has been revoked: ${p.credential.id}`,
    blocks,
  };
}

/** DM to each owner: the shared key alone was exposed; nothing revoked, a button to revoke anyway. */
export function sharedKeyOwnerMessage(p: { credential: CredentialRef; app: AppRef; source: LeakSource; permalink?: string }): {
  text: string;
  blocks: Block[];
} {
  return {
    text: `The shared key of ${p.credential.id} (${mrkdwnEscape(p.app.title)}, ${p.app.publicId}) was exposed. It was not revoked.`,
    blocks: [
      section(`:eyes: *The shared key of one of your credentials was exposed.*\n${credentialLine(p.credential, p.app)}`),
      section(`*Where:* ${whereText(p.source, p.permalink)}`),
      section(
        "A shared key alone grants nothing, so the key still works and nothing was revoked. " +
          "If its secret key may have been exposed too, revoke the key now.",
        { accessory: button("Revoke…", ACT.revoke, p.credential.id) },
      ),
    ],
  };
}
