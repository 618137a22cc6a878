import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, LISTEN_APPLICATION_NAME, isUniqueViolation, openDatabase, type Database } from "./database.js";
import { applyMigrations, pgClientExecutor, pgliteExecutor, readMigrations, type SqlExecutor } from "./migrate.js";
import { Prisma } from "../../generated/prisma/client.js";
import { createTestDatabase, dbKindForTests, type TestDatabase } from "../../../test/support/test-db.js";

const kind = dbKindForTests();

/** A dedicated connection to the test database (the migrator needs one session). */
async function withExecutor<T>(tdb: TestDatabase, fn: (exec: SqlExecutor) => Promise<T>): Promise<T> {
  if (tdb.pglite) return fn(pgliteExecutor(tdb.pglite));
  const client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  try {
    return await fn(pgClientExecutor(client));
  } finally {
    await client.end();
  }
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "appkeys-db-test-"));
}

/** Resolves with the first payload, or rejects after ms. */
function nextPayload(db: Database, channel: string, ms = 5000): Promise<{ payload: Promise<string>; unlisten: () => Promise<void> }> {
  let resolve!: (p: string) => void;
  const payload = new Promise<string>((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`no notification on ${channel} within ${ms} ms`)), ms).unref();
  });
  return db.listen(channel, (p) => resolve(p)).then((unlisten) => ({ payload, unlisten }));
}

describe(`applyMigrations (${kind})`, () => {
  let tdb: TestDatabase;
  const dirs: string[] = [];
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb?.drop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function copyMigrations(): Promise<string> {
    const dir = await tempDir();
    dirs.push(dir);
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  }

  it("applies every migration on a fresh database, then nothing on a second run", async () => {
    const onDisk = (await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((m) => m.name);
    expect(onDisk.length).toBeGreaterThan(0);
    const logs: string[] = [];
    const first = await withExecutor(tdb, (exec) => applyMigrations(exec, DEFAULT_MIGRATIONS_DIR, (m) => logs.push(m)));
    expect(first).toEqual(onDisk);
    expect(logs.some((l) => l.includes(`applied ${onDisk[0]}`))).toBe(true);
    const second = await withExecutor(tdb, (exec) => applyMigrations(exec, DEFAULT_MIGRATIONS_DIR));
    expect(second).toEqual([]);
    // The schema is really there.
    const tables = await withExecutor(tdb, (exec) =>
      exec.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`),
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["_prisma_migrations", "app", "credential", "audit_event", "job_run"]),
    );
  });

  it("records Prisma's columns and the SHA-256 checksum of migration.sql", async () => {
    const [first] = await readMigrations(DEFAULT_MIGRATIONS_DIR);
    const sql = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, first!.name, "migration.sql"));
    const expected = createHash("sha256").update(sql).digest("hex");
    const rows = await withExecutor(tdb, (exec) =>
      exec.query<{
        id: string;
        checksum: string;
        finished_at: Date | null;
        rolled_back_at: Date | null;
        applied_steps_count: number;
        logs: string | null;
      }>(`SELECT * FROM "_prisma_migrations" WHERE migration_name = $1`, [first!.name]),
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.checksum).toBe(expected);
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.finished_at).not.toBeNull();
    expect(row.rolled_back_at).toBeNull();
    expect(row.applied_steps_count).toBe(1);
    expect(row.logs).toBeNull();

    const columns = await withExecutor(tdb, (exec) =>
      exec.query<{ column_name: string; data_type: string; is_nullable: string; len: number | null }>(
        `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
           FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      ),
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable, c.len])).toEqual([
      ["id", "character varying", "NO", 36],
      ["checksum", "character varying", "NO", 64],
      ["finished_at", "timestamp with time zone", "YES", null],
      ["migration_name", "character varying", "NO", 255],
      ["logs", "text", "YES", null],
      ["rolled_back_at", "timestamp with time zone", "YES", null],
      ["started_at", "timestamp with time zone", "NO", null],
      ["applied_steps_count", "integer", "NO", null],
    ]);
  });

  it("refuses a migration that was edited after it was applied", async () => {
    const dir = await copyMigrations();
    const [first] = await readMigrations(dir);
    const file = path.join(dir, first!.name, "migration.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- edited\n`);
    await expect(withExecutor(tdb, (exec) => applyMigrations(exec, dir))).rejects.toThrow(
      `migration ${first!.name} was edited after it was applied`,
    );
  });

  it("reads the migrations in name order and skips a folder without migration.sql, saying so", async () => {
    const dir = await copyMigrations();
    await mkdir(path.join(dir, "00000000000000_empty"));
    await mkdir(path.join(dir, "00000000000001_folder", "migration.sql"), { recursive: true });
    const logs: string[] = [];
    const read = await readMigrations(dir, (m) => logs.push(m));
    const names = read.map((m) => m.name);
    expect(names).toEqual((await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((m) => m.name));
    expect(names).toEqual([...names].sort());
    expect(logs).toEqual([
      "migrations: 00000000000000_empty has no migration.sql, skipped",
      "migrations: 00000000000001_folder has no migration.sql, skipped",
    ]);
  });

  it("accepts the same file with CRLF line endings (as Prisma does)", async () => {
    const dir = await copyMigrations();
    const [first] = await readMigrations(dir);
    const file = path.join(dir, first!.name, "migration.sql");
    await writeFile(file, (await readFile(file, "utf8")).replace(/\n/g, "\r\n"));
    await expect(withExecutor(tdb, (exec) => applyMigrations(exec, dir))).resolves.toEqual([]);
  });

  it("applies a new migration, and only warns when an applied one is missing on disk", async () => {
    const dir = await copyMigrations();
    await mkdir(path.join(dir, "29990101000000_extra"));
    await writeFile(path.join(dir, "29990101000000_extra", "migration.sql"), "CREATE TABLE extra_t (x int);\n");
    expect(await withExecutor(tdb, (exec) => applyMigrations(exec, dir))).toEqual(["29990101000000_extra"]);

    const logs: string[] = [];
    const applied = await withExecutor(tdb, (exec) => applyMigrations(exec, DEFAULT_MIGRATIONS_DIR, (m) => logs.push(m)));
    expect(applied).toEqual([]);
    expect(logs.join("\n")).toMatch(/WARNING 29990101000000_extra .*missing/);
  });

  it("rolls back a failing migration, records nothing and names it in the error", async () => {
    const dir = await copyMigrations();
    await mkdir(path.join(dir, "29990102000000_broken"));
    await writeFile(
      path.join(dir, "29990102000000_broken", "migration.sql"),
      "CREATE TABLE half_done (x int);\nSELECT * FROM no_such_table;\n",
    );
    await expect(withExecutor(tdb, (exec) => applyMigrations(exec, dir))).rejects.toThrow(
      /migration 29990102000000_broken failed: .*no_such_table/,
    );
    const leftovers = await withExecutor(tdb, (exec) =>
      exec.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`),
    );
    expect(leftovers).toHaveLength(0);
    const recorded = await withExecutor(tdb, (exec) =>
      exec.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29990102000000_broken'`),
    );
    expect(recorded).toHaveLength(0);
    // The lock was released: the database is still usable by the migrator.
    await expect(withExecutor(tdb, (exec) => applyMigrations(exec, DEFAULT_MIGRATIONS_DIR))).resolves.toEqual([]);
  });
});

describe.skipIf(kind !== "postgres")("applyMigrations racing on PostgreSQL", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => tdb?.drop());

  it("two replicas starting together both succeed and apply each migration once", async () => {
    const results = await Promise.all([
      withExecutor(tdb, (exec) => applyMigrations(exec, DEFAULT_MIGRATIONS_DIR)),
      withExecutor(tdb, (exec) => applyMigrations(exec, DEFAULT_MIGRATIONS_DIR)),
      withExecutor(tdb, (exec) => applyMigrations(exec, DEFAULT_MIGRATIONS_DIR)),
    ]);
    const onDisk = (await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((m) => m.name);
    expect(results.flat().sort()).toEqual(onDisk);
    const rows = await withExecutor(tdb, (exec) =>
      exec.query<{ migration_name: string; n: number }>(
        `SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY 1 ORDER BY 1`,
      ),
    );
    expect(rows.map((r) => [r.migration_name, r.n])).toEqual(onDisk.map((n) => [n, 1]));
  });

  it("two openDatabase() at once on a fresh database both succeed", async () => {
    const fresh = await createTestDatabase();
    try {
      const [a, b] = await Promise.all([fresh.open(), fresh.open()]);
      expect(await a.prisma.app.count()).toBe(0);
      expect(await b.prisma.app.count()).toBe(0);
    } finally {
      await fresh.drop();
    }
  });
});

describe.skipIf(kind !== "pglite")("applyMigrations racing on one PGlite", () => {
  it("several app instances opening one shared PGlite at once apply each migration once", async () => {
    const tdb = await createTestDatabase();
    try {
      const logs: string[] = [];
      const dbs = await Promise.all([1, 2, 3].map(() => tdb.open({ log: (m) => logs.push(m) })));
      const onDisk = (await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((m) => m.name);
      expect(logs.filter((l) => l.startsWith("migrations: applied"))).toHaveLength(onDisk.length);
      expect(await dbs[2]!.prisma.app.count()).toBe(0);
    } finally {
      await tdb.drop();
    }
  });
});

describe("openDatabase options", () => {
  it("rejects URL schemes other than postgres:// and postgresql://", async () => {
    await expect(openDatabase({ url: "mysql://root@localhost/x" })).rejects.toThrow(/unsupported database URL scheme "mysql:"/);
    await expect(openDatabase({ url: "not a url" })).rejects.toThrow(/not a valid URL/);
  });

  it("needs a url, a dataDir or a pglite", async () => {
    await expect(openDatabase({})).rejects.toThrow(/set url .* or dataDir/);
  });

  it.skipIf(kind !== "pglite")("keeps a file-backed PGlite across restarts (dataDir created recursively)", async () => {
    const base = await tempDir();
    const dataDir = path.join(base, "nested", "pgdata");
    try {
      const logs: string[] = [];
      const db1 = await openDatabase({ dataDir, log: (m) => logs.push(m) });
      await db1.prisma.setting.create({ data: { key: "k", value: "v", updatedBy: "U1" } });
      await db1.close();
      await db1.close(); // idempotent
      const db2 = await openDatabase({ dataDir, log: (m) => logs.push(m) });
      try {
        expect((await db2.prisma.setting.findUniqueOrThrow({ where: { key: "k" } })).value).toBe("v");
        expect(logs.filter((l) => l.startsWith("migrations: applied"))).toHaveLength((await readMigrations(DEFAULT_MIGRATIONS_DIR)).length);
      } finally {
        await db2.close();
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe(`Database (${kind})`, () => {
  let tdb: TestDatabase;
  let db: Database;
  let other: Database; // a second app instance on the same database
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open();
    other = await tdb.open();
  });
  afterAll(async () => tdb?.drop());

  it("has the expected kind", () => {
    expect(db.kind).toBe(kind);
  });

  it("listen/notify delivers a payload to another Database on the same database", async () => {
    const { payload, unlisten } = await nextPayload(other, "appkeys_test");
    await db.notify("appkeys_test", 'hello "world" é');
    expect(await payload).toBe('hello "world" é');
    await unlisten();

    // After unlisten nothing more arrives.
    const seen: string[] = [];
    const stop = await other.listen("appkeys_other", (p) => seen.push(p));
    await stop();
    // Notifications arrive in the order they were sent: once the marker is in, "late" would be too.
    const marker = await nextPayload(other, "appkeys_marker");
    await db.notify("appkeys_other", "late");
    await db.notify("appkeys_marker", "after late");
    expect(await marker.payload).toBe("after late");
    await marker.unlisten();
    expect(seen).toEqual([]);
  });

  it("delivers to every subscriber, the notifier itself included", async () => {
    const a = await nextPayload(db, "appkeys_fanout");
    const b = await nextPayload(other, "appkeys_fanout");
    const c = await nextPayload(other, "appkeys_fanout");
    await other.notify("appkeys_fanout", "x");
    expect(await Promise.all([a.payload, b.payload, c.payload])).toEqual(["x", "x", "x"]);
    await Promise.all([a.unlisten(), b.unlisten(), c.unlisten()]);
  });

  it("NOTIFY inside a Prisma transaction is delivered on commit, not on rollback", async () => {
    const seen: string[] = [];
    const stop = await other.listen("appkeys_tx", (p) => seen.push(p));
    try {
      await db.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_notify('appkeys_tx', 'committed')`;
      });
      await expect.poll(() => seen, { timeout: 3000 }).toEqual(["committed"]);
      await expect(
        db.prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT pg_notify('appkeys_tx', 'rolled back')`;
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      // Sent after the rollback: once it is in, the rolled-back one would be too.
      await db.notify("appkeys_tx", "marker");
      await vi.waitFor(() => expect(seen).toContain("marker"), { timeout: 3000 });
      expect(seen).toEqual(["committed", "marker"]);
    } finally {
      await stop();
    }
  });

  it("validates channel names", async () => {
    await expect(db.listen("Bad-Name", () => {})).rejects.toThrow(/invalid LISTEN\/NOTIFY channel/);
    await expect(db.notify("x; DROP TABLE app", "p")).rejects.toThrow(/invalid LISTEN\/NOTIFY channel/);
  });

  it.skipIf(kind !== "postgres")("re-LISTENs after the LISTEN connection is killed", async () => {
    const seen: string[] = [];
    const stop = await other.listen("appkeys_reconnect", (p) => seen.push(p));
    try {
      const killed = await db.withConnection((sql) =>
        sql.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = $1`,
          [LISTEN_APPLICATION_NAME],
        ),
      );
      expect(killed.length).toBeGreaterThan(0);
      // Keep notifying until the listener is back (back-off starts at 100 ms).
      await vi.waitFor(
        async () => {
          if (seen.length === 0) await db.notify("appkeys_reconnect", "again");
          expect(seen).not.toEqual([]);
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(seen[0]).toBe("again");
    } finally {
      await stop();
    }
  });

  it.skipIf(kind !== "postgres")("withConnection holds one session (advisory locks)", async () => {
    await db.withConnection(async (sql) => {
      expect((await sql.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(4242) AS ok"))[0]?.ok).toBe(true);
      const elsewhere = await other.withConnection((s) => s.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(4242) AS ok"));
      expect(elsewhere[0]?.ok).toBe(false);
      await sql.query("SELECT pg_advisory_unlock(4242)");
    });
  });

  it("closing one app instance leaves a shared database usable by the other", async () => {
    const third = await tdb.open();
    await third.close();
    expect(await other.prisma.app.count()).toBeGreaterThanOrEqual(0);
    if (tdb.pglite) expect(tdb.pglite.closed).toBe(false);
  });

  describe("Prisma client", () => {
    it("creates with nested writes and reads back with includes, enums and Json", async () => {
      await db.prisma.endpoint.create({ data: { id: "payments.get", api: "payments", method: "GET", path: "/p" } });
      const app = await db.prisma.app.create({
        data: {
          publicId: "app_roundtrip1",
          teamId: "T1",
          title: "Round Trip",
          titleKey: "round trip",
          ownerId: "U1",
          owners: { create: [{ userId: "U1", role: "owner", addedBy: "U1" }] },
          endpoints: { create: [{ endpointId: "payments.get" }] },
          credentials: {
            create: [
              {
                id: "cred_rt1",
                environment: "production",
                sharedKey: "sk_rt1",
                secretHash: "h",
                secretLast4: "abcd",
                createdBy: "U1",
              },
            ],
          },
          approvals: {
            create: [{ kind: "GENERATE", requesterId: "U2", payload: { environment: "production", label: "ci", n: [1, null] } }],
          },
        },
      });
      const found = await other.prisma.app.findUniqueOrThrow({
        where: { publicId: "app_roundtrip1" },
        include: { owners: true, endpoints: { include: { endpoint: true } }, credentials: true, approvals: true },
      });
      expect(found.id).toBe(app.id);
      expect(found.owners.map((o) => [o.userId, o.role])).toEqual([["U1", "owner"]]);
      expect(found.endpoints[0]?.endpoint.path).toBe("/p");
      expect(found.credentials[0]?.environment).toBe("production");
      expect(found.credentials[0]?.status).toBe("ACTIVE");
      expect(found.approvals[0]?.status).toBe("PENDING");
      expect(found.approvals[0]?.payload).toEqual({ environment: "production", label: "ci", n: [1, null] });
      const prod = await db.prisma.credential.findMany({
        where: { environment: { in: ["production", "staging"] }, status: "ACTIVE" },
      });
      expect(prod.map((c) => c.id)).toContain("cred_rt1");
      const byJson = await db.prisma.approval.findMany({ where: { payload: { path: ["label"], equals: "ci" } } });
      expect(byJson).toHaveLength(1);
    });

    it("reports unique violations as P2002 on both adapters (incl. the partial index)", async () => {
      const dup = db.prisma.app.create({
        data: { publicId: "app_roundtrip1", teamId: "T1", title: "x", titleKey: "x", ownerId: "U1" },
      });
      const err = await dup.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
      expect((err as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
      expect(isUniqueViolation(err, ["publicId"])).toBe(true);
      expect(isUniqueViolation(err, ["teamId", "titleKey"])).toBe(false);

      const sameTitle = await db.prisma.app
        .create({ data: { publicId: "app_roundtrip2", teamId: "T1", title: " round trip", titleKey: "round trip", ownerId: "U1" } })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(sameTitle, ["teamId", "titleKey"])).toBe(true);

      const fk = await db.prisma.appEndpoint
        .create({ data: { appId: "no-such-app", endpointId: "payments.get" } })
        .catch((e: unknown) => e);
      expect((fk as Prisma.PrismaClientKnownRequestError).code).toBe("P2003");
    });

    it("reports raw SQL errors as P2010 with their SQLSTATE on both adapters", async () => {
      const err = await db.prisma.$queryRaw`SELEC 1`.catch((e: unknown) => e);
      expect((err as Prisma.PrismaClientKnownRequestError).code).toBe("P2010");
      expect((err as Error).message).toContain("42601");
    });

    it("gives audit_event BigInt autoincrement ids and Json null handling", async () => {
      const a = await db.prisma.auditEvent.create({ data: { actorId: "U1", action: "app.create", details: { k: 1 } } });
      const b = await other.prisma.auditEvent.create({ data: { actorId: "U1", action: "app.rename", details: Prisma.DbNull } });
      expect(typeof a.id).toBe("bigint");
      expect(b.id > a.id).toBe(true);
      const rows = await db.prisma.auditEvent.findMany({ where: { id: { gte: a.id } }, orderBy: { id: "asc" } });
      expect(rows.map((r) => r.details)).toEqual([{ k: 1 }, null]);
      expect(await db.prisma.auditEvent.count({ where: { details: { equals: Prisma.DbNull } } })).toBe(1);
    });

    it("interactive $transaction commits, and rolls back on throw", async () => {
      const n = await db.prisma.$transaction(async (tx) => {
        await tx.processedEvent.create({ data: { eventId: "ev-commit" } });
        return tx.processedEvent.count({ where: { eventId: "ev-commit" } });
      });
      expect(n).toBe(1);
      await expect(
        db.prisma.$transaction(async (tx) => {
          await tx.processedEvent.create({ data: { eventId: "ev-rollback" } });
          await tx.setting.create({ data: { key: "tx", value: "1", updatedBy: "U1" } });
          throw new Error("nope");
        }),
      ).rejects.toThrow("nope");
      expect(await db.prisma.processedEvent.findUnique({ where: { eventId: "ev-rollback" } })).toBeNull();
      expect(await db.prisma.setting.findUnique({ where: { key: "tx" } })).toBeNull();
      expect(await db.prisma.processedEvent.findUnique({ where: { eventId: "ev-commit" } })).not.toBeNull();
    });

    it("$queryRaw with FOR UPDATE SKIP LOCKED claims rows inside a transaction", async () => {
      await db.prisma.auditEvent.createMany({
        data: [1, 2, 3].map((i) => ({ actorId: "U9", action: `claim.${i}` })),
      });
      const claimed = await db.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: bigint; action: string }[]>`
          SELECT id, action FROM audit_event
           WHERE "deliveredAt" IS NULL AND "actorId" = 'U9'
           ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED`;
        await tx.auditEvent.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { deliveredAt: new Date() } });
        return rows;
      });
      expect(claimed.map((r) => r.action)).toEqual(["claim.1", "claim.2"]);
      expect(typeof claimed[0]?.id).toBe("bigint");
      expect(await db.prisma.auditEvent.count({ where: { actorId: "U9", deliveredAt: null } })).toBe(1);
    });

    it.skipIf(kind !== "postgres")("SKIP LOCKED: a concurrent claimer skips rows locked by another transaction", async () => {
      await db.prisma.auditEvent.createMany({ data: [1, 2].map((i) => ({ actorId: "U8", action: `lock.${i}` })) });
      let release!: () => void;
      const hold = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const first = db.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ action: string }[]>`
          SELECT action FROM audit_event WHERE "actorId" = 'U8' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
        locked();
        await hold;
        return rows;
      });
      await isLocked;
      const second = await other.prisma.$transaction(
        async (tx) =>
          tx.$queryRaw<{ action: string }[]>`
          SELECT action FROM audit_event WHERE "actorId" = 'U8' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      release();
      expect((await first).map((r) => r.action)).toEqual(["lock.1"]);
      expect(second.map((r) => r.action)).toEqual(["lock.2"]);
    });

    it("DateTimes read by $queryRaw are right whatever the process time zone", async () => {
      const savedTz = process.env.TZ;
      process.env.TZ = "America/New_York";
      try {
        const at = new Date("2026-03-04T05:06:07.891Z");
        await db.prisma.jobRun.create({ data: { job: "tz", slot: "s1", claimedBy: "x", claimedAt: at } });
        const [row] = await db.prisma.$queryRaw<{ claimedAt: Date; now: Date }[]>`
          SELECT "claimedAt", now() AS now FROM job_run WHERE job = 'tz'`;
        expect(row!.claimedAt.toISOString()).toBe(at.toISOString());
        expect(Math.abs(row!.now.getTime() - Date.now())).toBeLessThan(60_000);
        const viaModel = await db.prisma.jobRun.findFirstOrThrow({ where: { job: "tz", claimedAt: at } });
        expect(viaModel.claimedAt.toISOString()).toBe(at.toISOString());
      } finally {
        if (savedTz === undefined) delete process.env.TZ;
        else process.env.TZ = savedTz;
      }
    });

    it("documents: the outer client inside an interactive transaction deadlocks on PGlite until the timeout", async () => {
      // PGlite is one session; its transaction() holds a mutex every other query waits for.
      // So `db.prisma.x` (instead of `tx.x`) inside $transaction blocks until the transaction
      // times out (P2028). On PostgreSQL it runs on another pooled connection (outside the tx).
      const result = await db.prisma
        .$transaction(
          async (tx) => {
            await tx.processedEvent.create({ data: { eventId: "ev-outer" } });
            return db.prisma.processedEvent.count();
          },
          { timeout: 300 },
        )
        .then(
          () => "ok",
          (e: unknown) => (e as Prisma.PrismaClientKnownRequestError).code,
        );
      expect(result).toBe(kind === "pglite" ? "P2028" : "ok");
    });
  });
});
