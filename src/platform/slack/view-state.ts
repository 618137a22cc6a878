import { stateValues } from "./payload.js";

/** Typed, validated access to a modal's `state.values` (never trust their shape). */
export function readState(values: unknown) {
  const parsed = stateValues.safeParse(values ?? {});
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
