import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../platform/db/database.js";
import { generateKeyPair, hashSecret, secretLast4 } from "../credentials/key-format.js";
import { VerifyService, sqlCredentialStore } from "./service.js";
import { createLogger } from "../../logger.js";
import { LastUsedWorker, flushLastUsed } from "./last-used.worker.js";
import { testClock } from "../../../test/support/harness.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/test-db.js";

// "Last used" against the real database (PGlite, or PostgreSQL with TEST_DATABASE_URL), with a
// Prisma client extension counting the statements the flush sends.

describe("last-used flush", () => {
  let tdb: TestDatabase;
  let db: Database;
  const clock = testClock();
  let statements: string[] = [];
  let counted: Database;
  const keys: { id: string; sharedKey: string; secretKey: string }[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open();
    const prisma = db.prisma.$extends({
      query: {
        async $allOperations({ operation, model, args, query }) {
          statements.push(`${model ?? ""}.${operation}`);
          return query(args);
        },
      },
    }) as unknown as Database["prisma"];
    counted = { ...db, prisma };
    const app = await db.prisma.app.create({
      data: { publicId: "app_LastUsed0001", teamId: "T1", title: "Last used", titleKey: "last used", ownerId: "U1" },
    });
    for (let i = 0; i < 3; i++) {
      const k = generateKeyPair("development");
      const id = `cred_LastUsed${String(i).padStart(6, "0")}`;
      await db.prisma.credential.create({
        data: {
          id,
          appId: app.id,
          environment: "development",
          sharedKey: k.sharedKey,
          secretHash: hashSecret(k.secretKey),
          secretLast4: secretLast4(k.secretKey),
          createdBy: "U1",
        },
      });
      keys.push({ id, ...k });
    }
  });
  afterAll(async () => tdb?.drop());

  const service = () => new VerifyService({ store: sqlCredentialStore(db), clock, endpoints: { all: () => [], get: () => undefined } });
  const lastUsed = async (id: string) => (await db.prisma.credential.findUniqueOrThrow({ where: { id } })).lastUsedAt;

  it("writes every used credential in one statement, at most once a minute each", async () => {
    const verify = service();
    for (const k of keys) expect((await verify.verify(k, "t")).kind).toBe("answer");
    statements = [];
    expect(await flushLastUsed({ db: counted, clock, verify })).toBe(3);
    expect(statements).toEqual([".$executeRaw"]);
    for (const k of keys) expect(await lastUsed(k.id)).toEqual(clock());

    const first = clock();
    clock.advance(59_000);
    await verify.verify(keys[0]!, "t");
    expect(await flushLastUsed({ db: counted, clock, verify })).toBe(0);
    expect(await lastUsed(keys[0]!.id)).toEqual(first);
    clock.advance(2_000);
    await verify.verify(keys[0]!, "t");
    expect(await flushLastUsed({ db: counted, clock, verify })).toBe(1);
    expect(await lastUsed(keys[0]!.id)).toEqual(clock());

    // Another replica's use inside the same minute changes nothing either.
    const other = service();
    await other.verify(keys[0]!, "t");
    expect(await flushLastUsed({ db, clock, verify: other })).toBe(0);
  });

  it("keeps the ids when the write fails and writes them on the next flush", async () => {
    const verify = service();
    clock.advance(120_000);
    await verify.verify(keys[1]!, "t");
    await db.prisma.$executeRawUnsafe(`ALTER TABLE "credential" RENAME TO "credential_away"`);
    try {
      await expect(flushLastUsed({ db, clock, verify })).rejects.toThrow();
    } finally {
      await db.prisma.$executeRawUnsafe(`ALTER TABLE "credential_away" RENAME TO "credential"`);
    }
    expect(await flushLastUsed({ db, clock, verify })).toBe(1);
    expect(await lastUsed(keys[1]!.id)).toEqual(clock());
  });

  it("the worker flushes on stop", async () => {
    const verify = service();
    clock.advance(120_000);
    const worker = new LastUsedWorker({ db, clock, verify, logger: createLogger("silent") }, 3_600_000);
    worker.start();
    await verify.verify(keys[2]!, "t");
    expect(await lastUsed(keys[2]!.id)).not.toEqual(clock());
    await worker.stop();
    expect(await lastUsed(keys[2]!.id)).toEqual(clock());
  });
});
