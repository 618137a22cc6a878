/**
 * `npm run bench`: speed and memory targets live here, not in timed tests. Each module prints
 * its own figures; run one with `npm run bench -- <name>`.
 */
type Bench = { name: string; run: () => Promise<void> };

const benches: Bench[] = [
  // Each feature adds its benchmark module here.
];

const only = process.argv.slice(2);
for (const b of benches) {
  if (only.length && !only.includes(b.name)) continue;
  console.log(`\n=== ${b.name}`);
  await b.run();
}
