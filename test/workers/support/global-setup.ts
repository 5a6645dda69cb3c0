import { createRequire } from "node:module";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Vars and secrets for the Worker under test, known only once the services are up. */
    workersBindings: Record<string, string>;
    workersDatabaseKind: "postgres" | "pglite-socket";
    workersHyperdriveOrigin: string;
  }
}

/**
 * Starts the services and hands their addresses to vitest.workers.config.ts, which passes them to
 * workerd as bindings.
 *
 * This file runs through the project's Vite, which the Workers plugin sets to resolve packages as
 * workerd would (postgres.js's cloudflare:sockets build, ioredis as an inlined CJS module); Node
 * code would break there. So the services are loaded by Node's own loader, through tsx.
 */
export default async function setup(project: TestProject) {
  const { tsImport } = createRequire(import.meta.url)("tsx/esm/api") as typeof import("tsx/esm/api");
  const { startWorkersServices }: typeof import("./node-services.ts") = await tsImport(
    "./node-services.ts",
    import.meta.url,
  );
  const services = await startWorkersServices();

  project.provide("workersBindings", services.bindings);
  project.provide("workersDatabaseKind", services.databaseKind);
  project.provide("workersHyperdriveOrigin", services.hyperdriveOrigin);

  return () => services.close();
}
