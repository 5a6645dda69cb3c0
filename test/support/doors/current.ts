import { inject } from "vitest";
import type { WorkerdBuild } from "./workerd-build.ts";

/**
 * The doors the shared suite (shared-suite.ts) goes through: `node` is the app in this process
 * (`app.request`); `workerd` is src/worker.ts as deployed, in a real workerd (test/support/door.ts).
 * Imports nothing heavy: test/support/factories.ts, which workerd also loads, asks for the door.
 */
export type DoorName = "node" | "workerd";

declare module "vitest" {
  export interface ProvidedContext {
    /** Set by the project (vitest.config.ts); the node project leaves it unset. */
    door: DoorName | undefined;
    workerdBuild: WorkerdBuild;
  }
}

export function currentDoor(): DoorName {
  return inject("door") ?? "node";
}
