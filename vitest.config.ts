import { defineConfig } from "vitest/config";
import { OTHER_DOORS, SHARED_SUITE } from "./test/support/doors/shared-suite.ts";

const NODE_SERVICES = "test/support/global-setup.ts";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/workers/**", "test/browser/**", "**/node_modules/**"],
          globalSetup: [NODE_SERVICES],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      // The shared suite again through each other door: the tests run here in Node, with the
      // same fixtures and direct database access; only their requests go through the door.
      ...OTHER_DOORS.map((door) => ({
        test: {
          name: `door-${door.name}`,
          include: SHARED_SUITE,
          globalSetup: [NODE_SERVICES, door.globalSetup],
          provide: { door: door.name },
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      })),
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
