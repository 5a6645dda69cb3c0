import type { TestContext } from "../test-context.ts";
import type { FuzzTarget } from "./runner.ts";
import { buildFuzzWorld, renewScratch } from "./world.ts";

/** The fuzz target for the app in this process (Node), over the test context's real services. */
export function nodeTarget(ctx: TestContext): FuzzTarget {
  return {
    request: async (path, init) => ctx.app.request(path, init),
    buildWorld: () => buildFuzzWorld(ctx),
    renewScratch: (world, role) => renewScratch(ctx, world, role),
    maxBodyBytes: ctx.config.MAX_BODY_BYTES,
    registryDefinitions: ctx.app.openAPIRegistry.definitions as unknown[],
  };
}
