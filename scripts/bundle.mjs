#!/usr/bin/env node
// Bundles the compiled app (dist/tsc/, from tsc) into dist/main.js plus chunks that load on
// demand (dist/chunks/). Node then reads one file instead of ~1,500 module files: a start costs
// about 100 ms less CPU. Packages that load files next to their own code at run time (PGlite's
// wasm and data) stay in node_modules.
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const require = createRequire(import.meta.url);
const boltDist = path.dirname(require.resolve("@slack/bolt"));

/**
 * Bolt's index and App require every receiver when they load. AppKeys builds its own HTTPReceiver
 * and needs SocketModeReceiver only with SLACK_APP_TOKEN; ExpressReceiver (express, body-parser),
 * AwsLambdaReceiver and SocketModeReceiver (@slack/socket-mode, undici, ws) cost ~90 ms of every
 * start. In the bundle each is loaded on first use: its `default` export is a stand-in that loads
 * the real class when constructed, read, or used with instanceof. Socket Mode through the bundle
 * is tested (test/e2e/bundle.test.ts).
 */
const lazyBoltReceivers = {
  name: "lazy-bolt-receivers",
  setup(b) {
    b.onResolve({ filter: /^\.\/receivers\/(Express|SocketMode|AwsLambda)Receiver$/ }, (args) => {
      if (args.namespace === "lazy-receiver" || path.dirname(args.importer) !== boltDist) return undefined;
      return { path: path.join(boltDist, `${args.path}.js`), namespace: "lazy-receiver" };
    });
    // The real receivers load from node_modules, outside the bundle: not even parsed at start.
    b.onResolve({ filter: /^@slack\/bolt\/dist\/receivers\// }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "lazy-receiver" }, (args) => ({
      resolveDir: boltDist,
      loader: "js",
      contents: `
let real;
const load = () => (real ??= require(${JSON.stringify(`@slack/bolt/dist/${path.relative(boltDist, args.path)}`)}).default);
const Lazy = new Proxy(function LazyReceiver() {}, {
  construct: (_t, argv, newTarget) => Reflect.construct(load(), argv, newTarget === Lazy ? load() : newTarget),
  get: (_t, key) => Reflect.get(load(), key),
  has: (_t, key) => Reflect.has(load(), key),
  getPrototypeOf: () => Reflect.getPrototypeOf(load()),
});
module.exports = { __esModule: true, default: Lazy };
`,
    }));
  },
};

/**
 * zod's namespace export carries ~50 locales (z.locales.*), which AppKeys never selects: its
 * messages are English and its own. Only English is bundled; zod registers it by itself.
 */
const englishOnlyZod = {
  name: "english-only-zod",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: "zod-locales", namespace: "english-only-zod" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "english-only-zod" }, () => ({
      resolveDir: path.join(path.dirname(require.resolve("zod")), "v4", "locales"),
      loader: "js",
      contents: 'export { default as en } from "./en.js";',
    }));
  },
};

/**
 * iconv-lite (under Bolt's body reader) loads its encoding tables on first use of a non-UTF-8
 * charset, which Slack never sends; left in node_modules they are not even parsed at start.
 */
const iconvTablesOnDemand = {
  name: "iconv-tables-on-demand",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/encodings$/ }, (args) =>
      args.importer.includes(`${path.sep}iconv-lite${path.sep}`) ? { path: "iconv-lite/encodings/index.js", external: true } : undefined,
    );
  },
};

// Chunks are named by content hash: old ones would pile up.
rmSync(path.join(dist, "chunks"), { recursive: true, force: true });
await build({
  // The embedded database's thread starts from a file of its own (src/platform/db/pglite-remote.ts).
  entryPoints: { main: path.join(dist, "tsc", "main.js"), "pglite-host": path.join(dist, "tsc", "platform", "db", "pglite-host.js") },
  outdir: dist,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@electric-sql/pglite", "@electric-sql/pglite/*", "pglite-prisma-adapter"],
  logLevel: "warning",
  plugins: [lazyBoltReceivers, englishOnlyZod, iconvTablesOnDemand],
  // CommonJS packages in an ES module bundle still call require().
  banner: { js: "import { createRequire as __appkeysRequire } from 'node:module'; const require = __appkeysRequire(import.meta.url);" },
});
