import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import type { Database } from "../db/database.js";
import { Readiness, readyRoute } from "./health.js";

/** Calls a route handler and returns its status and JSON body. */
async function call(route: ReturnType<typeof readyRoute>): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve) => {
    let status = 0;
    const res = {
      writeHead(s: number) {
        status = s;
        return res;
      },
      end(text: string) {
        resolve({ status, body: JSON.parse(text) });
      },
    };
    void route.handler({} as IncomingMessage & { params: Record<string, string> }, res as unknown as ServerResponse);
  });
}

/** A database whose every query answers like `query`, through withConnection (what /readyz asks). */
const db = (query: () => Promise<unknown>): Database =>
  ({ kind: "postgres", withConnection: (fn: (c: { query: () => Promise<unknown> }) => unknown) => fn({ query }) }) as unknown as Database;
const passAll = (r: Readiness) => {
  for (const c of ["database", "migrations", "catalog", "slack", "credentials"] as const) r.pass(c);
};

describe("readiness", () => {
  it("is ready when every check passed and the database answers", async () => {
    const r = new Readiness();
    passAll(r);
    expect(
      await call(
        readyRoute(
          r,
          db(async () => [{ one: 1 }]),
        ),
      ),
    ).toMatchObject({ status: 200, body: { ready: true } });
  });

  it("names the first check that has not passed, with its reason", async () => {
    const r = new Readiness();
    r.pass("database");
    r.pass("migrations");
    expect(
      (
        await call(
          readyRoute(
            r,
            db(async () => []),
          ),
        )
      ).body,
    ).toMatchObject({ ready: false, failing: "catalog" });
    r.pass("catalog");
    r.fail("slack", "slack: auth.test has not passed yet");
    const res = await call(
      readyRoute(
        r,
        db(async () => []),
      ),
    );
    expect(res).toMatchObject({ status: 503, body: { failing: "slack", reason: "slack: auth.test has not passed yet" } });
    expect(res.body.checks).toEqual({ database: true, migrations: true, catalog: true, slack: false, credentials: false });
    r.pass("slack");
    r.fail("credentials", "credentials: the verification index is loading");
    expect(
      (
        await call(
          readyRoute(
            r,
            db(async () => []),
          ),
        )
      ).body,
    ).toMatchObject({
      failing: "credentials",
      reason: "credentials: the verification index is loading",
    });
    r.pass("credentials");
    expect(
      await call(
        readyRoute(
          r,
          db(async () => [{ one: 1 }]),
        ),
      ),
    ).toMatchObject({ status: 200, body: { ready: true } });
  });

  it("is not ready while the database does not answer, or answers too slowly", async () => {
    const r = new Readiness();
    passAll(r);
    const down = await call(
      readyRoute(
        r,
        db(async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"))),
      ),
    );
    expect(down).toMatchObject({ status: 503, body: { failing: "database" } });
    expect(down.body.reason).toContain("ECONNREFUSED");
    const slow = await call(
      readyRoute(
        r,
        db(() => new Promise(() => {})),
        50,
      ),
    );
    expect(slow).toMatchObject({ status: 503, body: { failing: "database" } });
    expect(slow.body.reason).toContain("within 50 ms");
  });

  it("is never ready again once draining", async () => {
    const changes: boolean[] = [];
    const r = new Readiness((ready) => changes.push(ready));
    passAll(r);
    r.drain();
    r.pass("slack");
    expect(
      await call(
        readyRoute(
          r,
          db(async () => []),
        ),
      ),
    ).toMatchObject({ status: 503, body: { failing: "shutdown" } });
    expect(changes.at(-1)).toBe(false);
    expect(changes).toContain(true);
  });
});
