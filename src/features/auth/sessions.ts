import type { Deps } from "../../deps.ts";
import { createSessionStore, type SessionStore } from "./session-store.ts";

const stores = new WeakMap<object, SessionStore>();

/** One session store per Redis client, so its script digest is computed once, not per request. */
export function sessionsOf(deps: Pick<Deps, "redis" | "config">): SessionStore {
  let store = stores.get(deps.redis);
  if (!store) {
    store = createSessionStore(deps.redis, deps.config);
    stores.set(deps.redis, store);
  }
  return store;
}
