import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "functions/**/*.test.ts",
      "infra/**/*.test.ts",
      "localstack/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    // PGlite instances are large (hundreds of MB each) and the machine has two cores.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
