import type { Deps } from "../../deps.ts";
import { sharedCacheOf } from "../../lib/shared-cache.ts";

/** Shared-cache namespace of developer profiles, skills and open loads. */
export const DEVELOPERS_CACHE = "developers";
export const DEVELOPERS_CACHE_TTL_SECONDS = 60;

/**
 * Call after any committed change to who is assigned what, a ticket's status or deletion, a
 * profile, a team membership or a developer account: cached open loads are then never stale.
 */
export function invalidateDeveloperLoads(deps: Pick<Deps, "redis" | "logger">): Promise<void> {
  return sharedCacheOf(deps).invalidate(DEVELOPERS_CACHE);
}
