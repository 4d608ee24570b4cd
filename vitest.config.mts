import { defineConfig } from "vitest/config";
import { EngineLongestFirst } from "./test/engineOrder";

export default defineConfig({
  test: {
    sequence: { sequencer: EngineLongestFirst },
    // Pulumi's SDK as the program, the pack and the CLI load it (scripts/bin/deferPulumiExtras.cjs).
    setupFiles: ["test/deferPulumiExtras.setup.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["{platform,config,model,stacks,components,policies,readiness,monitoring,scripts,exchange,witness,packages}/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/*.engine.test.ts", "**/*.ops.test.ts"],
          // Pulumi's runtime keeps global state per process: one file per fork.
          pool: "forks",
          // Many cases start the CLI (`npx cdb`: 1-2 s idle, 5-11 s with unit and ops sharing 2 cores); vitest's 5 s default flaked.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "engine",
          // The real Pulumi CLI, language host and policy analyzer, with stand-in providers.
          include: ["test/engine/**/*.engine.test.ts"],
          // promote/rollback run test doubles on dockerd; the ops tests do too.
          globalSetup: ["test/dockerd.ts"],
          // After the ops project: both create cdb_* containers on the same dockerd (npm test runs it after unit and ops, scripts/testSuite.ts).
          sequence: { groupOrder: 1 },
          pool: "forks",
          // Files in parallel: each has its own project copy, PULUMI_HOME and state, and no two
          // share container names on dockerd (deploy, live, paper: echo stand-ins that start
          // nothing; promote: cdb_* test doubles; readme: cdbpaper_* test doubles). Most of an
          // engine file's time is spent waiting on the CLI, the language host and the plugins.
          fileParallelism: true,
          maxWorkers: 3,
          // A whole promotion (preview, update, verification, release, verification) took over 300 s
          // when the suite shared the 2 cores with other work: the limit is for a hung CLI, not a slow one.
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "ops",
          // Real redis-server and dockerd; test/dockerd.ts starts an engine when none answers and builds the test-double image.
          include: ["ops/**/*.test.ts", "exchange/**/*.ops.test.ts", "scripts/**/*.ops.test.ts", "witness/**/*.ops.test.ts"],
          exclude: ["**/node_modules/**"],
          globalSetup: ["test/dockerd.ts"],
          pool: "forks",
          // Three files at a time: they mostly wait (0.53 of 2 cores busy one at a time; containers turn
          // healthy one health-check interval after they start, test/stackDoubles.ts), and each runs
          // its containers under a stack name of its own (test/opsStack.ts).
          maxWorkers: 3,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
