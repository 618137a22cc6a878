// The Prisma CLI insists on a resolvable datasource URL even though driver adapters ignore it;
// without one it falls back to downloading native engines, which cannot be reached here.
process.env.DATABASE_URL ??= "postgresql://localhost/embedded";
import { defineConfig } from "prisma/config";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  // Only used by CLI commands that need a database (e.g. `prisma db push` for experiments);
  // the app applies migrations itself (src/platform/db/migrate.ts).
  // pglite-prisma-adapter is typed against an older @prisma/driver-adapter-utils; same runtime shape.
  adapter: async () => new PrismaPGlite(new PGlite(process.env.PRISMA_CLI_PGLITE_DIR ?? "memory://")) as never,
});
