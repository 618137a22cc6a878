import { pino, type Logger, type DestinationStream, type LevelWithSilent } from "pino";

/** Anything shaped like a secret key (see docs/key-format.md) is scrubbed from every log line. */
const SECRET_PATTERN = /sk_(?:dev|stg|prod)_[0-9A-Za-z]{20,}/g;
const REDACTED = "[REDACTED]";

export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(SECRET_PATTERN, REDACTED);
  if (value === null || typeof value !== "object") return value;
  // Deeper than any payload we log: better lose it than log it unscrubbed.
  if (depth > 8) return "[TRUNCATED]";
  if (value instanceof Error) {
    const e = new Error(scrub(value.message) as string);
    e.name = value.name;
    e.stack = value.stack ? (scrub(value.stack) as string) : undefined;
    return e;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

export function createLogger(level: LevelWithSilent = "info", destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "appkeys" },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Field names that carry secrets or tokens anywhere in a logged object.
      redact: {
        paths: [
          "secretKey",
          "*.secretKey",
          "secret",
          "*.secret",
          "token",
          "*.token",
          "authorization",
          "*.authorization",
          "req.headers.authorization",
          "headers.authorization",
          'headers["x-slack-signature"]',
          "pepper",
          "*.pepper",
        ],
        censor: REDACTED,
      },
      hooks: {
        // Belt and braces: scrub secret-shaped strings in messages and objects, whatever the field.
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export type { Logger };
