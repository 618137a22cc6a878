import { expect, vi } from "vitest";
import type { Harness } from "./harness.js";

export const SECRET_RE = /sk_(?:dev|stg|prod)_[0-9A-Za-z]{38}/;
export const SHARED_RE = /ak_(?:dev|stg|prod)_[0-9A-Za-z]{30}/;

/** Runs `/apps create` through both modal steps, the way a person would. */
export async function createAppViaSlack(
  h: Harness,
  p: { userId: string; title: string; description?: string; endpoints?: string[]; environment?: string },
) {
  const opened = h.standIn.callsTo("views.open").length;
  const cmd = await h.slack.command("create", { userId: p.userId });
  expect(cmd.status).toBe(200);
  await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > opened);
  const open = h.standIn.callsTo("views.open").at(-1)!;
  const viewId: string = open.response.view.id;
  const step1 = await h.slack.submitView(viewId, { title: p.title, description: p.description ?? "" }, { userId: p.userId });
  expect(step1.body?.response_action, JSON.stringify(step1.body)).toBe("update");
  const endpoints = p.endpoints ?? (await firstEndpoints(h, 2));
  const before = h.standIn.calls.length;
  const step2 = await h.slack.submitView(viewId, { endpoints, environment: p.environment ?? "development" }, { userId: p.userId });
  expect(step2.body?.response_action, JSON.stringify(step2.body)).toBe("update");
  await h.standIn.waitFor((c) => c.slice(before).some((x) => x.method === "chat.postEphemeral" || x.method === "chat.postMessage"));
  const reveal = h.standIn.calls.slice(before).find((x) => x.method === "views.update" && x.args.view_id === viewId && !x.response?.failed);
  const dm = h.standIn.calls.slice(before).find((x) => x.method === "chat.postEphemeral");
  const text = JSON.stringify(reveal?.args ?? dm?.args ?? {});
  const secret = SECRET_RE.exec(text)?.[0];
  const shared = SHARED_RE.exec(text)?.[0];
  const app = await h.prisma.app.findFirst({ where: { title: p.title.trim().replace(/\s+/g, " ") }, orderBy: { createdAt: "desc" } });
  return { viewId, secret, shared, app, reveal, dm, endpoints };
}

export async function firstEndpoints(h: Harness, n: number): Promise<string[]> {
  const rows = await h.prisma.endpoint.findMany({ where: { retiredAt: null }, orderBy: { id: "asc" }, take: n });
  return rows.map((r) => r.id);
}

/** Every text column of every table, to prove a value was never stored. */
export async function dumpDatabase(h: Pick<Harness, "prisma">): Promise<string> {
  const tables = [
    "app",
    "app_owner",
    "app_endpoint",
    "credential",
    "approval",
    "audit_event",
    "rotation_reminder",
    "job_run",
    "setting",
    "endpoint",
  ];
  const parts: string[] = [];
  for (const t of tables) {
    const rows = await h.prisma.$queryRawUnsafe<unknown[]>(`SELECT * FROM "${t}"`);
    parts.push(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
  }
  return parts.join("\n");
}

/**
 * Waits (vi.waitFor) until the stand-in has received no new call for `quietMs`: the follow-ups of
 * a request (DMs, App Home refreshes) have landed. At least `quietMs`, longer while calls arrive.
 */
export async function slackSettled(h: Pick<Harness, "standIn">, quietMs = 150, timeoutMs = 15_000): Promise<void> {
  let seen = -1;
  await vi.waitFor(
    () => {
      const n = h.standIn.calls.length;
      const quiet = n === seen;
      seen = n;
      if (!quiet) throw new Error(`Slack calls still arriving (${n} so far)`);
    },
    { interval: quietMs, timeout: timeoutMs },
  );
}
