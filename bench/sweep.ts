/**
 * Rotation sweep over 100,000 credentials: the first sweep of a run (creates the reminder rows
 * of every key due within 14 days), a second one (steady state: nothing new), the digest query
 * and one recipient claim. PGlite always; PostgreSQL too when BENCH_DATABASE_URL or
 * TEST_DATABASE_URL is set (a scratch database is created there and dropped).
 */
import type { Database } from "../src/platform/db/database.js";
import { onEachDatabase } from "./support/procs.js";
import { claimRecipients, loadDigest, sweepReminders } from "../src/features/rotation/service.js";
import { seedBulk } from "../test/support/rotation-seed.js";

const CREDENTIALS = 100_000;
const PER_APP = 5;
const OWNERS = 5_000;
const NOW = new Date("2026-06-01T07:00:00Z");

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

async function measure(db: Database): Promise<void> {
  const p = db.prisma;
  const [, seedMs] = await time(() =>
    seedBulk(p, { apps: CREDENTIALS / PER_APP, perApp: PER_APP, owners: OWNERS, now: NOW, ageDays: 200, spreadDays: 200 }),
  );
  await p.$executeRawUnsafe("ANALYZE");
  const params = { now: NOW, rotationDays: 90, timeZone: "Europe/Berlin" };
  const [first, firstMs] = await time(() => sweepReminders(p, { ...params, claimer: "bench-1" }));
  const [second, secondMs] = await time(() => sweepReminders(p, { ...params, claimer: "bench-2" }));
  const [digest, digestMs] = await time(() => loadDigest(p, params));
  // Rows of a crashed run, claimable once the lease is over: one batch of 10 recipients.
  const later = new Date(NOW.getTime() + 60 * 60_000);
  const [claim, claimMs] = await time(() => claimRecipients(p, { now: later, claimer: "bench-3", after: "", limit: 10 }));
  const f = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(
    `${db.kind}: ${CREDENTIALS.toLocaleString("en")} credentials (seeded in ${f(seedMs)}), ${OWNERS.toLocaleString("en")} owners`,
  );
  console.log(
    `  sweep, first run : ${f(firstMs)}  (${first.scanned.toLocaleString("en")} keys scanned in ${first.batches} batches, ${first.created.toLocaleString("en")} reminders created)`,
  );
  console.log(`  sweep, next run  : ${f(secondMs)}  (${second.scanned.toLocaleString("en")} scanned, ${second.created} created)`);
  console.log(`  digest query     : ${f(digestMs)}  (${digest.total.toLocaleString("en")} keys due, ${digest.keys.length} listed)`);
  console.log(`  claim recipients : ${f(claimMs)}  (${claim.owners.length} recipients)`);
}

export async function run(): Promise<void> {
  await onEachDatabase(measure);
}
