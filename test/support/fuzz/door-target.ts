import { currentDoor } from "../doors/current.ts";
import type { TestContext } from "../test-context.ts";
import { nodeTarget } from "./node-target.ts";
import type { Platform } from "./oracle.ts";
import type { FuzzTarget } from "./runner.ts";

/**
 * What workerd does to a request before the Worker runs, measured through the door: a URL of
 * ~70 KB gets workerd's own `414 text/plain`, and `If-Match: ""` reaches the Worker as no
 * If-Match at all (test/tickets/update.test.ts). Neither is an answer of the app's.
 */
const WORKERD: Platform = { refusesLongUrls: true, dropsEmptyHeaders: true };

/**
 * The fuzz target for the shared suite: `ctx.app.request` is the current door's (test/support/door.ts),
 * so on workerd every request, the world's fixtures included, goes to the built Worker.
 */
export function doorTarget(ctx: TestContext): FuzzTarget {
  const target = nodeTarget(ctx);
  return currentDoor() === "workerd" ? { ...target, platform: WORKERD } : target;
}
