/**
 * Audit delivery throughput (events posted per second through the Slack stand-in, one
 * deliverer, in id order) and App Home latency (app_home_opened → views.publish) for a user
 * with 45 apps. PGlite by default; PostgreSQL with TEST_DATABASE_URL.
 */
import { recordAudit } from "../src/features/audit/record.js";
import { deliverPending } from "../src/features/audit/worker.js";
import { TEAM, startHarness } from "../test/support/harness.js";

export async function run(): Promise<void> {
  const h = await startHarness({ env: { AUDIT_CHANNEL_ID: "CAUDIT01" }, appOptions: { noWorkers: true }, logLevel: "warn" });
  try {
    const s = h.app.services;
    const events = 500;
    for (let i = 0; i < events; i += 50) {
      await h.prisma.$transaction(async (tx) => {
        for (let j = 0; j < 50; j++)
          await recordAudit(tx, {
            actorId: "UBENCH01",
            action: "credential.generated",
            credentialId: `cred_${i + j}`,
            environment: "staging",
          });
      });
    }
    const t0 = performance.now();
    let sent = 0;
    while (sent < events) sent += await deliverPending(s, h.app.bolt.client);
    const ms = performance.now() - t0;
    console.log(
      `audit delivery (${s.db.kind}): ${events} events in ${ms.toFixed(0)} ms = ${((events / ms) * 1000).toFixed(0)} events/s (Slack allows ~1/s per channel sustained)`,
    );

    const actor = s.actor("UBENCH01", TEAM);
    const endpointIds = (await h.prisma.endpoint.findMany({ where: { retiredAt: null }, take: 1 })).map((e) => e.id);
    for (let i = 0; i < 45; i++)
      await s.apps.createApp(actor, { title: `Bench ${i}`, description: "d".repeat(200), endpointIds, environment: "development" });
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const n = h.standIn.callsTo("views.publish").length;
      const t = performance.now();
      await h.slack.appHomeOpened("UBENCH01");
      await h.standIn.waitFor((c) => c.filter((x) => x.method === "views.publish").length > n);
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    const blocks = h.standIn.homeView("UBENCH01").blocks.length;
    console.log(
      `app home (45 apps, ${blocks} blocks): median ${samples[10]!.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms (event → views.publish)`,
    );
  } finally {
    await h.close();
  }
}
