import { z } from "@hono/zod-openapi";

export const Health = z.object({ status: z.literal("ok") }).openapi("Health");

const DependencyStatus = z.object({
  status: z.enum(["up", "down"]),
  latencyMs: z.number().nonnegative(),
});

export const Readiness = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    checks: z.object({ postgres: DependencyStatus, redis: DependencyStatus }),
  })
  .openapi("Readiness");
