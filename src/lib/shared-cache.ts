import type { Redis } from "@upstash/redis";
import type { Logger } from "./logger.ts";

/**
 * Read-through cache for hot shared reads (categories, teams, developer profiles). Every entry
 * key embeds its namespace's generation; a write bumps the generation before it returns, so no
 * read after a write can hit an entry from before it. With Redis down it reads through.
 */
export function createSharedCache(redis: Redis, logger: Logger) {
  const generationKey = (namespace: string) => `tix:cache-gen:${namespace}`;

  return {
    async read<T>(namespace: string, key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
      let entryKey: string;
      try {
        const generation = (await redis.get<number>(generationKey(namespace))) ?? 0;
        entryKey = `tix:cache:${namespace}:${generation}:${key}`;
        const hit = await redis.get<{ value: T }>(entryKey);
        if (hit) return hit.value;
      } catch (error) {
        logger.warn("cache bypassed: Redis unavailable", { namespace, error });
        return load();
      }
      const value = await load();
      await redis.set(entryKey, { value }, { ex: ttlSeconds }).catch(() => {});
      return value;
    },

    /** Call after the write commits and before responding. */
    async invalidate(...namespaces: string[]): Promise<void> {
      const pipeline = redis.pipeline();
      for (const namespace of namespaces) pipeline.incr(generationKey(namespace));
      await pipeline
        .exec()
        .catch((error: unknown) => logger.warn("cache invalidation failed", { namespaces, error }));
    },
  };
}

export type SharedCache = ReturnType<typeof createSharedCache>;

const caches = new WeakMap<Redis, SharedCache>();

/** One cache object per Redis client, built on first use. */
export function sharedCacheOf(deps: { redis: Redis; logger: Logger }): SharedCache {
  let cache = caches.get(deps.redis);
  if (!cache) {
    cache = createSharedCache(deps.redis, deps.logger);
    caches.set(deps.redis, cache);
  }
  return cache;
}
