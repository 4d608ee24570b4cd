import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{config,model,stacks,components,policies,readiness,monitoring,scripts}/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/*.engine.test.ts"],
          // Pulumi's runtime keeps global state per process: one file per fork.
          pool: "forks",
        },
      },
    ],
  },
});
