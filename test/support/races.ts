import { inject } from "vitest";

/**
 * Whether a race test can fail here. PGlite runs one transaction at a time, so a test that races
 * transactions passes on it whether the code locks or not: such tests run only on real PostgreSQL
 * (`describe.runIf(racesAreReal())`) and are reported as skipped elsewhere, never as passing. CI
 * always has DATABASE_URL (test/support/services.ts refuses CI=true without it), so there they run.
 */
export function racesAreReal(): boolean {
  return inject("postgresUrl") !== undefined;
}
