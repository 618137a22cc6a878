/**
 * Child process of the benchmarks, so the load generator and the server don't share a CPU
 * thread. BENCH_CHILD=bare: a node:http server answering a constant JSON. BENCH_CHILD=appkeys:
 * the real app (config from the environment) with BENCH_KEYS apps seeded through the domain
 * services. Reports { port, ... } over IPC; stops on the message "stop".
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The app as it runs in production: tsc's output (dist/tsc, built by `npm run bench` first), not
 * the sources through tsx, whose per-function name wrappers cost the hot path several percent.
 * BENCH_SOURCE=1 (or no build) runs the sources.
 */
async function loadApp(): Promise<{
  createAppKeys: typeof import("../../src/app.js").createAppKeys;
  loadConfig: typeof import("../../src/config.js").loadConfig;
}> {
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/tsc");
  const fromDist = process.env.BENCH_SOURCE !== "1" && existsSync(path.join(dist, "app.js"));
  const at = (f: string) => (fromDist ? path.join(dist, `${f}.js`) : `../../src/${f}.js`);
  const [{ createAppKeys }, { loadConfig }] = await Promise.all([import(at("app")), import(at("config"))]);
  return { createAppKeys, loadConfig };
}

const send = (msg: unknown) => process.send?.(msg);

async function bare(): Promise<void> {
  // Same shape and size as a valid verify answer.
  const body = JSON.stringify({
    valid: true,
    appId: "app_AAAAAAAAAAAA",
    credentialId: "cred_AAAAAAAAAAAAAA",
    environment: "development",
    endpoints: ["orders.create", "payments.get", "payments.list"],
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
        "content-length": String(Buffer.byteLength(body)),
      });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  send({ port: (server.address() as AddressInfo).port });
  process.on("message", (m) => {
    if (m === "cpu") send({ cpu: process.cpuUsage() });
    if (m === "stop") server.close(() => process.exit(0));
  });
}

async function appkeys(): Promise<void> {
  const { createAppKeys, loadConfig } = await loadApp();
  const config = loadConfig();
  const app = await createAppKeys(config);
  const port = await app.start(0);
  const s = app.services;
  const n = Number(process.env.BENCH_KEYS ?? 0);
  const valid: { sharedKey: string; secretKey: string }[] = [];
  const revoked: { sharedKey: string; secretKey: string }[] = [];
  const endpointIds = ["payments.get", "payments.list", "orders.create"];
  for (let i = 0; i < n; i++) {
    const created = await s.apps.createApp(s.actor("UBENCH001", "TBENCH"), {
      title: `Bench app ${i}`,
      description: "benchmark data",
      endpointIds,
      environment: "development",
    });
    const c = created.issued!;
    (i % 5 === 4 ? revoked : valid).push({ sharedKey: c.credential.sharedKey, secretKey: c.secretKey });
    if (i % 5 === 4)
      await s.db.prisma.credential.update({ where: { id: c.credential.id }, data: { status: "REVOKED", revokedAt: s.clock() } });
  }
  send({ port, valid, revoked, endpointIds });
  process.on("message", (m) => {
    if (m === "stats") send({ stats: { ...s.verify.stats } });
    if (m === "cpu") send({ cpu: process.cpuUsage() });
    if (m === "stop") void app.stop().finally(() => process.exit(0));
  });
}

// The benchmark died or was interrupted: do not linger.
process.on("disconnect", () => process.exit(0));

const mode = process.env.BENCH_CHILD;
(mode === "bare" ? bare() : appkeys()).catch((err) => {
  console.error(err);
  process.exit(1);
});
