import { randomBytes } from "node:crypto";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { createPostgresDatabase } from "../../src/adapters/database/postgres.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { assertPostgresReachable, databaseUrlFor, requestedServices } from "./services.ts";

declare module "vitest" {
  export interface ProvidedContext {
    gatewayUrl: string;
    gatewayToken: string;
    gatewayBackend: "redis" | "memory";
    redisUrl: string | undefined;
    postgresUrl: string | undefined;
    templateDatabase: string | undefined;
  }
}

/**
 * Starts one gateway for the run and, on real PostgreSQL, migrates a template database once so
 * each test file can clone its own fresh database from it in milliseconds.
 */
export default async function setup(project: TestProject) {
  const { databaseUrl, redisUrl } = requestedServices();
  const gatewayToken = randomBytes(24).toString("hex");
  const gateway = await startGateway({
    token: gatewayToken,
    backend: redisUrl ? { redisUrl } : "memory",
    port: 0,
  });
  project.provide("gatewayUrl", gateway.url);
  project.provide("gatewayToken", gatewayToken);
  project.provide("gatewayBackend", redisUrl ? "redis" : "memory");
  project.provide("redisUrl", redisUrl);
  project.provide("postgresUrl", databaseUrl);

  let templateDatabase: string | undefined;
  if (databaseUrl) {
    await assertPostgresReachable(databaseUrl);
    templateDatabase = `tixgenius_template_${process.pid}_${Date.now()}`;
    await withAdmin(databaseUrl, (sql) => sql.unsafe(`create database "${templateDatabase}"`));
    const template = createPostgresDatabase(databaseUrlFor(databaseUrl, templateDatabase), {
      maxConnections: 1,
    });
    await template.migrate();
    await template.close();
  }
  project.provide("templateDatabase", templateDatabase);

  return async function teardown() {
    await gateway.close();
    if (databaseUrl && templateDatabase) {
      await withAdmin(databaseUrl, (sql) =>
        sql.unsafe(`drop database if exists "${templateDatabase}" with (force)`),
      );
    }
  };
}

async function withAdmin(url: string, work: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await work(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
