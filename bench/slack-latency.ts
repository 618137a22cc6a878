/**
 * How fast the app acknowledges Slack: signed requests from the test client to the app (a child
 * process) whose Web API calls go to the Slack stand-in, like production with Slack's 3 s
 * deadline. Each iteration: `/apps create` (opens the modal), step 1 submitted (title checked in
 * the database, then ack with the next step), step 2 submitted (ack first, the app and its key
 * are created after it); plus `/apps list`. PGlite, then PostgreSQL when BENCH_DATABASE_URL or
 * TEST_DATABASE_URL is set. Target: p99 ≤ 50 ms.
 *
 * BENCH_SLACK_ITERATIONS (default 100).
 */
import { SlackClient } from "../test/support/slack-client.js";
import { SlackStandIn } from "../test/support/slack-standin.js";
import { benchDatabases, ms, percentile, startChild, table } from "./support/procs.js";

const SIGNING_SECRET = "bench-signing-secret-0123456789";
const USER = "UBENCH001";

export async function run(): Promise<void> {
  const iterations = Number(process.env.BENCH_SLACK_ITERATIONS ?? 100);
  const standIn = await SlackStandIn.start({ teamId: "TBENCH" });
  const dbs = await benchDatabases();
  const rows: (string | number)[][] = [["database", "request → ack", "n", "p50 ms", "p99 ms", "max ms"]];
  try {
    for (const db of dbs) {
      const app = await startChild<{ port: number }>({
        BENCH_CHILD: "appkeys",
        SLACK_BOT_TOKEN: "xoxb-bench",
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: standIn.url,
        ...db.env,
      });
      try {
        const slack = new SlackClient({
          appUrl: `http://127.0.0.1:${app.info.port}`,
          signingSecret: SIGNING_SECRET,
          standIn,
          teamId: "TBENCH",
        });
        const samples = { list: [] as number[], create: [] as number[], step1: [] as number[], step2: [] as number[] };
        const warmup = 10;
        for (let i = 0; i < warmup + iterations; i++) {
          const keep = i >= warmup;
          const list = await slack.command("list", { userId: USER });
          const opened = standIn.callsTo("views.open").length;
          const delivered = standIn.callsTo("chat.postEphemeral").length;
          const create = await slack.command("create", { userId: USER });
          await standIn.waitFor((c) => c.filter((x) => x.method === "views.open").length > opened, 10_000);
          const viewId: string = standIn.callsTo("views.open").at(-1)!.response.view.id;
          const step1 = await slack.submitView(viewId, { title: `Bench ${db.label} ${i}`, description: "latency" }, { userId: USER });
          if (step1.body?.response_action !== "update") throw new Error(`step 1 was not accepted: ${JSON.stringify(step1.body)}`);
          const step2 = await slack.submitView(
            viewId,
            { endpoints: ["payments.get", "payments.list"], environment: "development" },
            { userId: USER },
          );
          if (step2.status !== 200) throw new Error(`step 2 failed: ${step2.status}`);
          // Let the key delivery finish before the next round, as one person would.
          await standIn.waitFor((c) => c.filter((x) => x.method === "chat.postEphemeral").length > delivered, 10_000);
          if (keep) {
            samples.list.push(list.ms);
            samples.create.push(create.ms);
            samples.step1.push(step1.ms);
            samples.step2.push(step2.ms);
          }
        }
        const add = (label: string, xs: number[]) => {
          const sorted = [...xs].sort((a, b) => a - b);
          rows.push([db.label, label, sorted.length, ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted.at(-1)!)]);
        };
        add("slash command /apps list", samples.list);
        add("slash command /apps create", samples.create);
        add("view_submission step 1 (title check)", samples.step1);
        add("view_submission step 2 (create)", samples.step2);
        if (standIn.violations.length)
          console.log(
            `stand-in saw ${standIn.violations.length} Slack limit violations: ${JSON.stringify(standIn.violations.slice(0, 3))}`,
          );
      } finally {
        await app.stop();
      }
    }
  } finally {
    for (const db of dbs) await db.cleanup?.().catch(() => undefined);
    await standIn.close();
  }
  console.log(`${iterations} rounds per database after 10 warm-up rounds; time from sending the signed request to the app's HTTP answer`);
  console.log(table(rows));
  console.log("target: p99 ≤ 50 ms (Slack's deadline is 3 s)");
}
