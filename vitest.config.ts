import { defineConfig } from "vitest/config";

// Tests start real plugin processes; they run from compiled dist/ drivers built by `npm test`.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
