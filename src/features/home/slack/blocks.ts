import type { types } from "@slack/bolt";
import type { HomeCard } from "../service.js";
import { mrkdwnEscape, truncate } from "../../../shared/text.js";
import { ACT } from "../../../platform/slack/ids.js";
import { button, context, divider, header, section, type Block } from "../../../platform/slack/blocks.js";

export type HomeView = types.HomeView;

/** Slack's limit is 100 blocks per Home tab: 3 per card, 30 cards, room for header and footer. */
export const HOME_MAX_CARDS = 30;
export const HOME_MAX_BLOCKS = 100;

export interface HomeInput {
  cards: HomeCard[];
  /** All of the user's apps, shown or not. */
  total: number;
  rotationDays: number;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The App Home tab: the user's apps as cards (like the web UI's grid) with "New App". */
export function homeView(p: HomeInput): HomeView {
  const blocks: Block[] = [
    header(p.total ? `Your apps (${p.total})` : "Your apps"),
    {
      type: "actions",
      block_id: "home_actions",
      elements: [button("New App", ACT.newApp, "new", "primary")],
    },
  ];
  if (p.total === 0) {
    blocks.push(
      section(
        "You have no apps yet. Create one to connect API endpoints and get its first key pair: click *New App* or run `/apps create`.",
      ),
    );
    return { type: "home", blocks };
  }
  blocks.push(divider());
  const shown = p.cards.slice(0, HOME_MAX_CARDS);
  for (const c of shown) {
    const desc = c.description ? `\n${mrkdwnEscape(truncate(c.description.replace(/\s*\n+\s*/g, " "), 200))}` : "\n_No description._";
    const due = c.dueForRotation
      ? `:warning: ${plural(c.dueForRotation, "key")} due for rotation`
      : ":white_check_mark: No keys due for rotation";
    blocks.push(
      section(`*${mrkdwnEscape(truncate(c.title, 150))}*${desc}`, { accessory: button("View details", ACT.details, c.publicId) }),
      context(
        `App ID \`${c.publicId}\``,
        `:key: ${plural(c.activeKeys, "active key")}`,
        due,
        ...(c.teams?.length ? [`:busts_in_silhouette: ${truncate(c.teams.map((t) => `@${mrkdwnEscape(t)}`).join(", "), 300)}`] : []),
      ),
      divider(),
    );
  }
  const hidden = p.total - shown.length;
  if (hidden > 0) blocks.push(context(`…and ${plural(hidden, "more app")} — use \`/apps list\` to see them all.`));
  blocks.push(
    context(`Keys are due for rotation ${p.rotationDays} days after they were created. \`/apps help\` lists everything AppKeys can do.`),
  );
  return { type: "home", blocks: blocks.slice(0, HOME_MAX_BLOCKS) };
}
