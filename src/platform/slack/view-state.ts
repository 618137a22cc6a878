import { z } from "zod";

const option = z.object({ value: z.string().max(200) }).passthrough();
const element = z
  .object({
    type: z.string(),
    value: z.string().max(10_000).nullish(),
    selected_option: option.nullish(),
    selected_options: z.array(option).max(500).nullish(),
    selected_date: z.string().nullish(),
    selected_user: z.string().nullish(),
    selected_users: z.array(z.string()).nullish(),
    selected_conversation: z.string().nullish(),
    selected_channel: z.string().nullish(),
  })
  .passthrough();
const stateSchema = z.record(z.string(), z.record(z.string(), element));

/** Typed, validated access to a modal's `state.values` (never trust their shape). */
export function readState(values: unknown) {
  const parsed = stateSchema.safeParse(values ?? {});
  const v = parsed.success ? parsed.data : {};
  const el = (block: string, action: string) => v[block]?.[action];
  return {
    text: (block: string, action: string): string => el(block, action)?.value ?? "",
    selected: (block: string, action: string): string | undefined => el(block, action)?.selected_option?.value,
    multi: (block: string, action: string): string[] => (el(block, action)?.selected_options ?? []).map((o) => o.value),
    user: (block: string, action: string): string | undefined => el(block, action)?.selected_user ?? undefined,
    conversation: (block: string, action: string): string | undefined =>
      el(block, action)?.selected_conversation ?? el(block, action)?.selected_channel ?? undefined,
  };
}
