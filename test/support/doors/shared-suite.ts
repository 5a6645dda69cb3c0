/**
 * The shared suite: test files that build their app with `createDoorContext` (test/support/door.ts)
 * and so run once per door, the same tests against the Node app and against the built Worker in
 * workerd. A difference between the runtimes is then a failing test. The node project runs them
 * with every other file; vitest.config.ts adds one project per other door.
 */
export const SHARED_SUITE = [
  "test/app/baseline.test.ts",
  "test/app/idempotency-coverage.test.ts",
  "test/audit/audit-log.test.ts",
  "test/events/stream-tokens.test.ts",
  "test/hardening/classic-input.test.ts",
  "test/hardening/concurrency/idempotency.test.ts",
  "test/hardening/concurrency/refresh-reuse.test.ts",
  "test/hardening/fuzz-openapi.test.ts",
  "test/hardening/mass-assignment.test.ts",
  "test/hardening/search-and-cursors.test.ts",
  "test/middleware/idempotency.test.ts",
  "test/tickets/create-read.test.ts",
  "test/tickets/date-times.test.ts",
  "test/tickets/list.test.ts",
  "test/tickets/status.test.ts",
  "test/tickets/update.test.ts",
];

/** The doors besides node, each a project of its own (`npx vitest run --project door-workerd`). */
export const OTHER_DOORS = [{ name: "workerd", globalSetup: "test/support/doors/workerd-build.ts" }] as const;
