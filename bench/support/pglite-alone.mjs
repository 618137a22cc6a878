// The floor under "AppKeys, PGlite" in `npm run bench -- startup`: the bot's own embedded-database
// thread (dist/pglite-host.js, WebAssembly on V8's baseline compiler as in the bot) opening the
// same data directory, in a process that loads nothing else. GET /readyz answers 200 once the
// database is open. It is not a bot: it tells how much of AppKeys' start is PGlite's open alone.
import { createServer } from "node:http";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";

setFlagsFromString("--liftoff-only");

let open = false;
const host = new Worker(new URL("../../dist/pglite-host.js", import.meta.url), { workerData: { dataDir: process.env.DATA_DIR } });
host.on("message", (m) => {
  if (m.type === "ready") open = true;
  if (m.type === "failed") {
    console.error(`PGlite did not open: ${m.error.message}`);
    process.exit(1);
  }
  // The reply to "close": the data directory is shut down cleanly for the next start.
  if (m.type === "reply") process.exit(0);
});
createServer((req, res) => {
  req.resume();
  res.writeHead(req.url === "/readyz" && !open ? 503 : 200).end();
}).listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
process.on("SIGTERM", () => (open ? host.postMessage({ op: "close", id: 1 }) : process.exit(0)));
