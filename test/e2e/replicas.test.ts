// Several replicas starting at the same instant on one new database, as a deployment does.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/harness.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { createTestDatabase, dbKindForTests } from "../support/test-db.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let tmp: string;

function catalogYaml(apis: string[], perApi: number): string {
  const rows: string[] = [];
  for (const api of apis)
    for (let i = 0; i < perApi; i++)
      rows.push(`- { id: ${api.toLowerCase()}.op${i}, api: ${api}, method: GET, path: "/${api.toLowerCase()}/r${i}" }`);
  return rows.join("\n");
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "appkeys-replicas-"));
  await writeFile(path.join(tmp, "a.yaml"), catalogYaml(["Payments", "Ledger", "Risk"], 40));
  await writeFile(path.join(tmp, "b.yaml"), catalogYaml(["Payments", "Ledger", "Cards"], 40));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("replicas starting together (in process)", () => {
  it("three instances on one new database all start; each endpoint is stored once", async () => {
    const db = await createTestDatabase();
    const standIn = await SlackStandIn.start({ teamId: "T0001" });
    const file = path.join(tmp, "a.yaml");
    const started = await Promise.allSettled([0, 1, 2].map(() => startHarness({ db, standIn, env: { ENDPOINTS_FILE: file } })));
    const ok = started.filter((r): r is PromiseFulfilledResult<Harness> => r.status === "fulfilled").map((r) => r.value);
    try {
      expect(started.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual(["ok", "ok", "ok"]);
      const prisma = ok[0]!.prisma;
      expect(await prisma.endpoint.count()).toBe(120);
      const ids = await prisma.endpoint.groupBy({ by: ["id"], _count: { id: true } });
      expect(ids.every((g) => g._count.id === 1)).toBe(true);
    } finally {
      for (const h of ok) await h.app.stop();
      await standIn.close();
      await db.drop();
    }
  });
});

/** `npm start`'s entry point as a child process; resolves once /healthz answers 200. */
function startReplica(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  let out = "";
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (out += String(d)));
  child.stderr?.on("data", (d) => (out += String(d)));
  const ready = new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 45_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error(`replica exited with ${child.exitCode}:\n${out}`));
      if (Date.now() > deadline) return reject(new Error(`replica never became healthy:\n${out}`));
      try {
        const r = await fetch(`http://127.0.0.1:${env.PORT}/healthz`);
        if (r.status === 200) return resolve();
      } catch {
        // not listening yet
      }
      setTimeout(poll, 100);
    };
    void poll();
  });
  return { child, ready, output: () => out };
}

describe.skipIf(dbKindForTests() !== "postgres")("replicas starting together (processes, PostgreSQL)", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
  });

  async function startMany(files: string[]) {
    const db = await createTestDatabase();
    const standIn = await SlackStandIn.start({ teamId: "T0001" });
    const basePort = 20000 + Math.floor(Math.random() * 20000);
    const replicas = files.map((file, i) =>
      startReplica({
        SLACK_BOT_TOKEN: "xoxb-test-token",
        SLACK_SIGNING_SECRET: "test-signing-secret-0123456789",
        SLACK_API_URL: standIn.url,
        DATABASE_URL: db.url!,
        ENDPOINTS_FILE: file,
        PORT: String(basePort + i),
        HOST: "127.0.0.1",
      }),
    );
    children.push(...replicas.map((r) => r.child));
    return { db, standIn, replicas };
  }

  it("three `npm start` on one new database all become healthy; each endpoint once", async () => {
    const file = path.join(tmp, "a.yaml");
    const { db, standIn, replicas } = await startMany([file, file, file]);
    try {
      const results = await Promise.allSettled(replicas.map((r) => r.ready));
      expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual(["ok", "ok", "ok"]);
      const prisma = (await db.open()).prisma;
      expect(await prisma.endpoint.count()).toBe(120);
      for (const r of replicas) expect(r.output()).not.toMatch(/"level":(50|60)/);
    } finally {
      for (const r of replicas) r.child.kill("SIGTERM");
      await standIn.close();
      await db.drop();
    }
  });

  it("two catalogs at once: nothing crashes, one catalog wins whole, no endpoint is lost", async () => {
    const a = path.join(tmp, "a.yaml");
    const b = path.join(tmp, "b.yaml");
    const { db, standIn, replicas } = await startMany([a, b, a]);
    try {
      const results = await Promise.allSettled(replicas.map((r) => r.ready));
      expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual(["ok", "ok", "ok"]);
      const prisma = (await db.open()).prisma;
      // Every endpoint either catalog named is kept (retired, never deleted), each once.
      expect(await prisma.endpoint.count()).toBe(160);
      const live = (await prisma.endpoint.findMany({ where: { retiredAt: null }, select: { api: true } })).map((e) => e.api);
      const apis = [...new Set(live)].sort();
      // The last writer's catalog is the live one, whole: never a mix of the two.
      expect([
        ["Ledger", "Payments", "Risk"],
        ["Cards", "Ledger", "Payments"],
      ]).toContainEqual(apis);
      expect(live.length).toBe(120);
    } finally {
      for (const r of replicas) r.child.kill("SIGTERM");
      await standIn.close();
      await db.drop();
    }
  });
});

describe("a start-up step that fails", () => {
  it("logs one clear line naming the step and what to do, with no stack trace", async () => {
    const r = startReplica({
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: "test-signing-secret-0123456789",
      SLACK_API_URL: "http://127.0.0.1:9/api/",
      // Nothing listens on port 9: the database cannot be reached.
      DATABASE_URL: "postgresql://postgres@127.0.0.1:9/appkeys",
      PORT: "0",
    });
    r.ready.catch(() => {}); // it never becomes healthy: that is the point
    const code = await new Promise<number | null>((resolve) => r.child.on("exit", resolve));
    expect(code).toBe(1);
    const lines = r.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("opening the database and applying migrations failed");
    expect(lines[0]).toContain("ECONNREFUSED");
    expect(lines[0]).toContain("Check that DATABASE_URL");
    expect(lines[0]).not.toContain('"level":60');
    expect(r.output()).not.toMatch(/\n\s+at /);
  });
});
