/**
 * A start-up step that failed, with what an operator should do about it. main.ts prints it as
 * one line; the cause's stack stays out of the log (it says nothing an operator can act on).
 */
export class StartupError extends Error {
  constructor(
    readonly step: string,
    readonly hint: string,
    readonly causeText: string,
  ) {
    super(`${step} failed (${causeText}). ${hint}`);
    this.name = "StartupError";
  }
}

/** The first line of an error's message and its code: enough to act on, no stack. */
export function causeText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const message = String(e?.message ?? err)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  const code = typeof e?.code === "string" && !message?.includes(e.code) ? `${e.code}: ` : "";
  return `${code}${message ?? "unknown error"}`.slice(0, 300);
}

/** Runs one start-up step; a failure becomes a StartupError naming the step and the fix. */
export async function startupStep<T>(step: string, hint: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(step, hint, causeText(err));
  }
}
