import { sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { withTimeout } from "../../lib/timeout.ts";

export type DependencyName = "postgres" | "redis";

export interface DependencyStatus {
  status: "up" | "down";
  latencyMs: number;
}

export interface Readiness {
  status: "ok" | "unavailable";
  checks: Record<DependencyName, DependencyStatus>;
}

/** Pings every dependency in parallel, each bounded by the readiness timeout. */
export async function checkReadiness(deps: Deps): Promise<Readiness> {
  const timeoutMs = deps.config.READY_TIMEOUT_MS;
  const [postgres, redis] = await Promise.all([
    probe(deps, "postgres", timeoutMs, () => deps.db.execute(sql`select 1`)),
    probe(deps, "redis", timeoutMs, () => deps.redis.ping()),
  ]);
  const allUp = postgres.status === "up" && redis.status === "up";
  return { status: allUp ? "ok" : "unavailable", checks: { postgres, redis } };
}

async function probe(
  deps: Deps,
  name: DependencyName,
  timeoutMs: number,
  ping: () => Promise<unknown>,
): Promise<DependencyStatus> {
  const startedAt = performance.now();
  try {
    await withTimeout(ping(), timeoutMs, name);
    return { status: "up", latencyMs: elapsedSince(startedAt) };
  } catch (error) {
    // The reason stays in the log: connection strings and hostnames are not for anonymous callers.
    deps.logger.warn("readiness check failed", { code: "dependency_not_ready", dependency: name, error });
    return { status: "down", latencyMs: elapsedSince(startedAt) };
  }
}

function elapsedSince(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}
