/**
 * `npm run bench`: speed and memory targets live here, not in timed tests. Each module prints
 * its own figures; run one with `npm run bench -- <name>`.
 */
import { spawnSync } from "node:child_process";
import { run as auditHome } from "./audit-home.js";
import { run as verifyBench } from "./verify.js";
import { run as slackLatency } from "./slack-latency.js";
import { run as coldStart } from "./cold-start.js";
import { run as sweep } from "./sweep.js";
import { run as startup } from "./startup.js";
import { run as teams } from "./teams.js";
type Bench = { name: string; run: () => Promise<void> };

const benches: Bench[] = [
  // Each feature adds its benchmark module here.
  { name: "audit-home", run: auditHome },
  { name: "verify", run: verifyBench },
  { name: "slack-latency", run: slackLatency },
  { name: "cold-start", run: coldStart },
  { name: "sweep", run: sweep },
  { name: "startup", run: startup },
  { name: "teams", run: teams },
];

// The benches run the built app (dist/): build it first when sources changed.
const build = spawnSync(process.execPath, ["scripts/build-if-stale.mjs"], { stdio: "inherit" });
if (build.status !== 0) throw new Error("build failed");

const only = process.argv.slice(2);
for (const b of benches) {
  if (only.length && !only.includes(b.name)) continue;
  console.log(`\n=== ${b.name}`);
  await b.run();
}
