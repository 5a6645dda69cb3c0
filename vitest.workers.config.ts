import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { nativeArgon2Service } from "./test/workers/support/native-argon2.ts";
import { createTestFixturesService } from "./test/workers/support/test-fixtures.ts";

/**
 * The Workers suite: the real app inside workerd (the Miniflare bundled with the plugin), with the
 * wrangler.toml compatibility settings, against the services test/workers/support/global-setup.ts
 * starts. Runnable alone (`npx vitest run --config vitest.workers.config.ts`) or as a project of
 * the root vitest.config.ts.
 */
export default defineConfig({
  plugins: [
    // A function, so that it runs after global setup: `inject` reads what setup provided.
    cloudflareTest(({ inject }) => ({
      main: "./src/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: inject("workersBindings"),
        // Not named HYPERDRIVE: the Worker would prefer it everywhere. Tests that want the
        // Hyperdrive path pass it under that name themselves.
        hyperdrives: { TEST_HYPERDRIVE: inject("workersHyperdriveOrigin") },
        // Miniflare's local Analytics Engine accepts writes and drops them; every suite thus runs
        // the Worker with its metrics binding, and test/workers/metrics.test.ts watches the writes.
        analyticsEngineDatasets: { METRICS: { dataset: "tixgenius_test" } },
        serviceBindings: {
          NATIVE_ARGON2: nativeArgon2Service,
          // Node-side access to the Worker's database, to make users of any role.
          TEST_FIXTURES: createTestFixturesService(inject("workersBindings").DATABASE_URL),
        },
      },
    })),
  ],
  test: {
    name: "workers",
    include: ["test/workers/**/*.test.ts"],
    globalSetup: ["test/workers/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
