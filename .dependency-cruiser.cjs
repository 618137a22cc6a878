/**
 * Boundaries of the feature layout (README "Development"), checked in CI by `npm run lint`.
 * Type-only imports are allowed across boundaries except where a rule says otherwise
 * (they vanish at run time and carry no behaviour).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make start-up order and tests fragile. Type-only cycles are tolerated.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only", "type-import"] } },
    },
    {
      name: "domain-imports-no-slack-http-cron",
      severity: "error",
      comment:
        "Domain code (a feature outside its slack/ and http/ folders, and src/shared) imports no Slack, HTTP or cron: " +
        "those belong in slack/, http/, platform/ or the entry files. Workers (*worker.ts) are the glue that posts to Slack.",
      from: {
        path: "^src/(shared|features/[^/]+)/",
        pathNot: ["^src/features/[^/]+/(slack|http)/", "worker\\.ts$", "\\.test\\.ts$"],
      },
      to: {
        path: ["^node_modules/@slack/", "^node_modules/node-cron/", "^(node:)?https?$", "^src/features/[^/]+/(slack|http)/"],
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "slack-only-in-slack-folders",
      severity: "error",
      comment: "@slack/* is imported only in slack/ folders (a feature's or the platform's) and the entry files.",
      from: {
        path: "^src/",
        pathNot: ["^src/features/[^/]+/slack/", "^src/platform/slack/", "^src/(app|main|listeners|logger)\\.ts$", "\\.test\\.ts$"],
      },
      to: { path: "^node_modules/@slack/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "http-and-cron-only-in-platform-or-http",
      severity: "error",
      comment: "node:http and node-cron only in http/ folders, platform/ and the entry files.",
      from: {
        path: "^src/",
        pathNot: ["^src/features/[^/]+/http/", "^src/platform/", "^src/(app|main)\\.ts$", "\\.test\\.ts$"],
      },
      // No type-only exemption here: dependency-cruiser marks a mixed import (a value and a type
      // from one module) as type-only too, which let node-cron into feature workers unnoticed.
      to: { path: ["^(node:)?https?$", "^node_modules/node-cron/"] },
    },
    {
      name: "listeners-never-touch-prisma",
      severity: "error",
      comment: "Listeners call services; only a feature's service code touches Prisma.",
      from: { path: ["^src/features/[^/]+/slack/", "^src/platform/slack/"] },
      to: { path: ["^src/generated/", "^node_modules/@prisma/"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "platform-imports-no-feature",
      severity: "error",
      comment: "Shared infrastructure does not depend on features; app.ts wires them together.",
      from: { path: "^src/(platform|shared)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/features/", dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    builtInModules: { add: [] },
  },
};
