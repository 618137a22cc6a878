import type { types } from "@slack/bolt";
import type { EndpointRow } from "../service.js";
import { truncate } from "../../../shared/text.js";
import { plain } from "../../../platform/slack/blocks.js";

/** Answer to a type-ahead query: option groups by API, 100 options at most (Slack's limit). */
export function endpointOptions(rows: EndpointRow[]): { option_groups: types.OptionGroup[] } | { options: types.Option[] } {
  const groups = new Map<string, types.PlainTextOption[]>();
  for (const r of rows.slice(0, 100)) {
    const list = groups.get(r.api) ?? [];
    list.push(endpointOption(r));
    groups.set(r.api, list);
  }
  if (groups.size === 0) return { options: [] };
  return { option_groups: [...groups].slice(0, 100).map(([api, options]) => ({ label: plain(api, 75), options })) };
}

export function endpointOption(r: EndpointRow): types.PlainTextOption {
  return {
    text: plain(truncate(`${r.method} ${r.path}`, 75), 75),
    value: r.id,
    ...(r.summary ? { description: plain(truncate(r.summary, 75), 75) } : {}),
  };
}
