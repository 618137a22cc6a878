/**
 * Team ownership at size: a 2,000-member user group owning 50 apps (100,000 derived owner rows).
 * Adding the team to each app, a refresh where 100 people left and 100 joined, and a refresh
 * that changed nothing (the daily run's usual case). PGlite always; PostgreSQL too when
 * BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a scratch database is created and dropped).
 */
import type { Database } from "../src/platform/db/database.js";
import { onEachDatabase } from "./support/procs.js";
import { TeamService } from "../src/features/teams/service.js";
import { seedApp } from "../test/support/rotation-seed.js";

const MEMBERS = 2_000;
const APPS = 50;
const CHURN = 100;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

async function measure(db: Database): Promise<void> {
  const teams = new TeamService(db.prisma, () => new Date());
  const actor = { userId: "UOWNER01", teamId: "T0001", isAdmin: false };
  const members = Array.from({ length: MEMBERS }, (_, i) => `UM${String(i).padStart(6, "0")}`);
  const group = { groupId: "S0BIG001", teamId: "T0001", handle: "big" };
  const apps: Array<{ id: string }> = [];
  for (let i = 0; i < APPS; i++) apps.push(await seedApp(db.prisma, { title: `Bench ${i}`, owner: actor.userId }));
  const [, addMs] = await time(async () => {
    for (const a of apps) await teams.addTeam(actor, a.id, { ...group, members });
  });
  const churned = [...members.slice(CHURN), ...Array.from({ length: CHURN }, (_, i) => `UN${String(i).padStart(6, "0")}`)];
  const [changed, churnMs] = await time(() => teams.applyMembership({ ...group, members: churned }));
  const [, sameMs] = await time(() => teams.applyMembership({ ...group, members: churned }));
  const rows = await db.prisma.appOwner.count();
  const f = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(`${db.kind}: group of ${MEMBERS.toLocaleString("en")} owning ${APPS} apps (${rows.toLocaleString("en")} owner rows)`);
  console.log(`  add the team to an app     : ${f(addMs / APPS)} each (${f(addMs)} for ${APPS})`);
  console.log(`  refresh, ${CHURN} out ${CHURN} in   : ${f(churnMs)} (${changed.apps.length} apps changed)`);
  console.log(`  refresh, nothing changed   : ${f(sameMs)}`);
}

export async function run(): Promise<void> {
  await onEachDatabase(measure);
}
