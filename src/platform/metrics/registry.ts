/**
 * The Prometheus metrics of one AppKeys instance (GET /metrics, src/platform/metrics/route.ts).
 * One registry per instance, so several instances in one process (tests) never share counters.
 *
 * Labels are closed sets only: verdict codes, HTTP statuses, request kinds, Slack method names and
 * Slack error codes (both checked against a pattern and capped, see `bounded`), job names.
 * Never a key, a token, a user id or anything a user typed.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { instrumentedFetch } from "./slack-fetch.js";

/** Kinds of Slack requests, as the ack-latency label. */
export const SLACK_KINDS = ["command", "action", "view", "options", "event", "shortcut", "other"] as const;
export type SlackKind = (typeof SLACK_KINDS)[number];

/** What the audit outbox looks like now (read at scrape time). */
export interface OutboxState {
  backlog: number;
  oldestCreatedAt: Date | null;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
  /** Reads the audit outbox for the backlog gauges at scrape time. */
  auditOutbox?: () => Promise<OutboxState>;
  now?: () => number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

/**
 * A label value from outside (Slack method or error code): kept when it looks like one and fewer
 * than `cap` distinct values were seen, else "other". Keeps the series count bounded whatever a
 * proxy or a changed API sends back.
 */
export function bounded(pattern: RegExp, cap = 100): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (!pattern.test(value) || seen.size >= cap) return "other";
    seen.add(value);
    return value;
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  const now = opts.now ?? Date.now;
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const statusLabel = (status: number) => (status >= 100 && status < 600 ? String(status) : "other");
  // The verify counters move on every gateway call: counted in a Map there, added to prom-client's
  // counters when scraped (its inc() hashes and validates a labels object on each call).
  const verdictTally = new Map<string, number>();
  const statusTally = new Map<number, number>();
  new Counter({
    name: "appkeys_verify_verdicts_total",
    help: "Key verification answers by verdict: valid, a refusal code (MALFORMED, NOT_FOUND, REVOKED, ENDPOINT_NOT_ALLOWED) or throttled.",
    labelNames: ["verdict"] as const,
    registers: [registry],
    collect() {
      for (const [verdict, n] of verdictTally) this.inc({ verdict: /^[A-Za-z_]{1,32}$/.test(verdict) ? verdict : "other" }, n);
      verdictTally.clear();
    },
  });
  new Counter({
    name: "appkeys_verify_responses_total",
    help: "POST /v1/keys/verify responses by HTTP status (5xx: verification unavailable).",
    labelNames: ["status"] as const,
    registers: [registry],
    collect() {
      for (const [status, n] of statusTally) this.inc({ status: statusLabel(status) }, n);
      statusTally.clear();
    },
  });
  const verifyDuration = new Histogram({
    name: "appkeys_verify_duration_seconds",
    help: "POST /v1/keys/verify, from request to response sent.",
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const slackAck = new Histogram({
    name: "appkeys_slack_ack_duration_seconds",
    help: "Slack request to ack, by kind (Slack gives up after 3 s).",
    labelNames: ["kind"] as const,
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  const slackRateLimited = new Counter({
    name: "appkeys_slack_rate_limited_total",
    help: "app_rate_limited events: Slack dropped Events API deliveries for a minute (see the warning log for the minute).",
    registers: [registry],
  });
  const slackApiCalls = new Counter({
    name: "appkeys_slack_api_calls_total",
    help: 'Slack Web API calls (each attempt) by method and error ("none" when Slack answered ok).',
    labelNames: ["method", "error"] as const,
    registers: [registry],
  });
  const remindersSent = new Counter({
    name: "appkeys_rotation_reminders_sent_total",
    help: "Rotation reminders delivered to their owners by DM (one message may carry several).",
    registers: [registry],
  });
  const remindersFailed = new Counter({
    name: "appkeys_rotation_reminders_failed_total",
    help: "Rotation reminders Slack refused, by whether a retry can help (permanent=true: given up).",
    labelNames: ["permanent"] as const,
    registers: [registry],
  });
  const jobClaims = new Counter({
    name: "appkeys_job_claims_total",
    help: "Scheduled-job slot claims by job and result (won: this replica runs it; lost: another one did).",
    labelNames: ["job", "result"] as const,
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: "appkeys_job_runs_total",
    help: "Scheduled-job runs this replica finished, by job and outcome.",
    labelNames: ["job", "outcome"] as const,
    registers: [registry],
  });
  const ready = new Gauge({
    name: "appkeys_ready",
    help: "1 when /readyz answers 200 (database, migrations, catalog, Slack auth.test), else 0.",
    registers: [registry],
  });

  const outbox = opts.auditOutbox;
  let lastOutbox: OutboxState = { backlog: 0, oldestCreatedAt: null };
  let outboxRead: Promise<void> | undefined;
  /** One database read per scrape serves both gauges; a failed read keeps the last values. */
  const readOutbox = () =>
    (outboxRead ??= (async () => {
      try {
        if (outbox) lastOutbox = await outbox();
      } catch {
        // database down: /readyz says so; the gauges keep their last values
      } finally {
        setImmediate(() => {
          outboxRead = undefined;
        });
      }
    })());
  new Gauge({
    name: "appkeys_audit_outbox_backlog",
    help: "Audit events not delivered to the audit channel yet.",
    registers: [registry],
    async collect() {
      await readOutbox();
      this.set(lastOutbox.backlog);
    },
  });
  new Gauge({
    name: "appkeys_audit_outbox_oldest_age_seconds",
    help: "Age of the oldest undelivered audit event (0 when none is waiting).",
    registers: [registry],
    async collect() {
      await readOutbox();
      const oldest = lastOutbox.oldestCreatedAt;
      this.set(oldest ? Math.max(0, (now() - oldest.getTime()) / 1000) : 0);
    },
  });

  const slackMethod = bounded(/^[a-z][A-Za-z]*(\.[A-Za-z]+){1,3}$/);
  const slackError = bounded(/^[a-z][a-z0-9_]{0,63}$/);

  const slackApiCall = (method: string, error: string | undefined) =>
    slackApiCalls.inc({ method: slackMethod(method), error: error === undefined ? "none" : slackError(error) });

  return {
    registry,
    /** `fetch` for every Slack WebClient (clientOptions.fetch): counts each Web API attempt. */
    slackFetch: instrumentedFetch(slackApiCall),
    contentType: registry.contentType,
    render: () => registry.metrics(),
    /** A verify answer (call once per request). */
    verifyVerdict(verdict: "valid" | "throttled" | string) {
      verdictTally.set(verdict, (verdictTally.get(verdict) ?? 0) + 1);
    },
    /** A verify response sent: HTTP status and seconds since the request arrived. */
    verifyResponse(status: number, seconds: number) {
      statusTally.set(status, (statusTally.get(status) ?? 0) + 1);
      verifyDuration.observe(seconds);
    },
    /** Slack said the app went over its Events API limit (an app_rate_limited event). */
    slackRateLimited() {
      slackRateLimited.inc();
    },
    slackAck(kind: SlackKind, seconds: number) {
      slackAck.observe({ kind }, seconds);
    },
    /** One Web API attempt: `error` is Slack's error code, "ratelimited", "http_<status>", "request_error" or undefined (ok). */
    slackApiCall,
    reminderSent(n = 1) {
      remindersSent.inc(n);
    },
    reminderFailed(permanent: boolean, n = 1) {
      remindersFailed.inc({ permanent: String(permanent) }, n);
    },
    /** `job` is one of the scheduler's constant job names. */
    jobClaim(job: string, won: boolean) {
      jobClaims.inc({ job, result: won ? "won" : "lost" });
    },
    jobRun(job: string, outcome: "ok" | "failed") {
      jobRuns.inc({ job, outcome });
    },
    setReady(isReady: boolean) {
      ready.set(isReady ? 1 : 0);
    },
  };
}
