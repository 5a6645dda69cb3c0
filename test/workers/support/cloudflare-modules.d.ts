// The project type-checks against @types/node, not the Workers globals (the two disagree on
// fetch types), so the workerd-only modules the tests import are declared here, narrowly.
declare module "cloudflare:workers" {
  /** The Worker's bindings, as configured in vitest.workers.config.ts. */
  export const env: Readonly<Record<string, unknown>>;
  /** The main Worker's exports; `default.fetch` goes through workerd like a real request. */
  export const exports: {
    default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> };
  };
}

declare module "cloudflare:test" {
  import type { ExecutionContext } from "@cloudflare/workers-types";

  export function createExecutionContext(): ExecutionContext;
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;
}
