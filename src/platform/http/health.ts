import type { CustomRoute } from "@slack/bolt";
import type { Database } from "../db/database.js";

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export function healthRoute(db: Database): CustomRoute {
  return {
    path: "/healthz",
    method: ["GET"],
    handler: async (_req, res) => {
      let ok = true;
      try {
        await db.prisma.$queryRaw`SELECT 1`;
      } catch {
        ok = false;
      }
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok, database: db.kind }));
    },
  };
}
