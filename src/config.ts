import { CronExpressionParser } from "cron-parser";
import { z } from "zod";

/** Slack ids: users U…/W…, channels C…/G…/D…, user groups S…. */
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "must be Slack user ids like U012ABCDEF");
const slackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, "must be a Slack channel id like C012ABCDEF");

const csv = (item: z.ZodString) =>
  z
    .string()
    .optional()
    .transform((s) =>
      (s ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const opt = <T extends z.ZodType>(t: T) => z.preprocess(emptyToUndefined, t.optional());

/** Five fields, parsed by the library the schedules run them with (src/platform/jobs/scheduler.ts). */
function validCron(c: string): boolean {
  try {
    CronExpressionParser.parse(c);
    return c.trim().split(/\s+/).length === 5;
  } catch {
    return false;
  }
}

const CRON_MESSAGE = 'must be a cron expression like "0 9 * * 1-5" (minute hour day month weekday)';
const cronText = z.string().refine(validCron, CRON_MESSAGE);

const bool = z.preprocess(
  emptyToUndefined,
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
    .default("false")
    .transform((v) => v === "true" || v === "1" || v === "yes"),
);

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ error: "is required (the bot token, xoxb-…)" }).regex(/^xox[bp]-/, "must start with xoxb-"),
    SLACK_SIGNING_SECRET: opt(z.string().min(8, "looks too short")),
    SLACK_APP_TOKEN: opt(z.string().regex(/^xapp-/, "must start with xapp- (an app-level token)")),
    SLACK_API_URL: opt(z.url({ error: "must be a URL like https://slack.com/api/" }).transform((u) => (u.endsWith("/") ? u : `${u}/`))),
    PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
    HOST: opt(z.string()),
    DATABASE_URL: opt(z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL (leave unset for the embedded database)")),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default("./data")),
    ENDPOINTS_FILE: opt(z.string()),
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
    KEY_PEPPER: opt(z.string().min(16, "must be at least 16 characters")),
    ADMIN_USER_IDS: csv(slackUserId),
    APPROVER_USER_IDS: csv(slackUserId),
    APPROVER_GROUP_ID: opt(z.string().regex(/^S[A-Z0-9]{2,}$/, "must be a Slack user group id like S012ABCDEF")),
    AUDIT_CHANNEL_ID: opt(slackChannelId),
    ROTATION_CHANNEL_ID: opt(slackChannelId),
    ROTATION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3650).default(90)),
    ROTATION_CRON: z.preprocess(emptyToUndefined, z.string().default("0 9 * * 1-5").refine(validCron, CRON_MESSAGE)),
    TZ: opt(z.string().refine(validTimeZone, "must be an IANA time zone like Europe/Berlin")),
    METRICS_TOKEN: opt(z.string().min(16, "must be at least 16 characters")),
    VERIFY_TOKENS: csv(z.string().min(16, "each token must be at least 16 characters")),
    // Leak response (docs/leaks.md): scanning Slack messages, and the report endpoints.
    LEAK_SCAN: z.preprocess(
      (v) => (typeof v === "string" ? v.trim().toLowerCase() || undefined : v),
      z.enum(["on", "off"], { error: 'must be "on" or "off"' }).default("on"),
    ),
    LEAK_REPORT_TOKENS: csv(z.string().min(16, "each token must be at least 16 characters")),
    GITHUB_SECRET_SCANNING_KEYS_URL: z.preprocess(
      emptyToUndefined,
      z.url({ error: "must be a URL" }).default("https://api.github.com/meta/public_keys/secret_scanning"),
    ),
    /** Verify requests in progress at once, per replica; past it: 503 + Retry-After at once. */
    VERIFY_MAX_CONCURRENT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(1024)),
    /** Keys of an offboarded person are due for rotation within this many days. */
    OFFBOARD_ROTATE_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(365).default(14)),
    /** Daily refresh of team membership and check of owners' accounts, in TZ. */
    DIRECTORY_SYNC_CRON: z.preprocess(emptyToUndefined, cronText.default("0 6 * * *")),
    /** Unset: 09:00 on the first weekday of January, April, July and October, in TZ. */
    ACCESS_REVIEW_CRON: opt(cronText),
    ACCESS_REVIEW_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(90).default(14)),
    ACCESS_REVIEW_ENFORCE: bool,
    AUDIT_EXPORT_TOKENS: csv(z.string().min(16, "each token must be at least 16 characters")),
  })
  .superRefine((env, ctx) => {
    if (!env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["SLACK_SIGNING_SECRET"],
        message: "set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)",
      });
    }
  });

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line per bad variable (never the value). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const name = i.path.join(".") || "environment";
    return `  ${name}: ${i.message}`;
  });
  throw new ConfigError(`AppKeys cannot start: fix these environment variables (see README, "Configuration"):\n${lines.join("\n")}`);
}

export function mode(config: Config): "http" | "socket" {
  return config.SLACK_SIGNING_SECRET ? "http" : "socket";
}
