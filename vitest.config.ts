import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/workers/**", "test/browser/**", "**/node_modules/**"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      "./vitest.workers.config.ts",
      {
        // Chromium against the real server processes (test/browser/frontend.test.ts).
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 150_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
