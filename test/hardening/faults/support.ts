import postgres from "postgres";
import { inject } from "vitest";
import { DEFAULT_PASSWORD, freshIp, jsonRequest, type Session } from "../../support/factories.ts";
import { FaultProxy } from "../../support/fault-proxy.ts";
import { createTestContext, type TestContextOptions } from "../../support/test-context.ts";

/**
 * What a bound allows beyond the configured timeout: the request's own work and a loaded 2-core
 * machine's scheduling. Well below every timeout it is added to, so a bound still tells a
 * deadline that worked from a request that waited for the next, longer one.
 */
export const SCHEDULING_MARGIN_MS = 600;

/** The code of the warning the rate limiter logs when it lets a request through without Redis. */
export const RATE_LIMIT_SKIPPED = "rate_limit_skipped";

/** Short, explicit deadlines, so that the bounds below are derived from them and tests stay fast. */
export const redisFaultEnv = {
  TRUST_PROXY: "true",
  RATE_LIMIT_TIMEOUT_MS: "200",
  READY_TIMEOUT_MS: "500",
} as const;

/** The routes that refuse to run without Redis (fail closed): one request each, from a fresh IP. */
export function authRequests(
  person: { user: { email: string; password: string }; session: Session },
  newEmail: string,
) {
  const from = () => ({ "X-Forwarded-For": freshIp() });
  return {
    login: {
      path: "/v1/auth/login",
      init: jsonRequest("POST", { email: person.user.email, password: person.user.password }, from()),
    },
    register: {
      path: "/v1/auth/register",
      init: jsonRequest(
        "POST",
        { email: newEmail, password: DEFAULT_PASSWORD, name: "New Reporter" },
        from(),
      ),
    },
    refresh: {
      path: "/v1/auth/refresh",
      init: jsonRequest("POST", { refreshToken: person.session.refreshToken }, from()),
    },
  };
}

/**
 * A test app whose PostgreSQL pool connects through a fault proxy, and a direct connection to the
 * same database that the proxy never touches, to check what really was committed.
 */
export async function contextBehindDatabaseProxy(options: TestContextOptions = {}) {
  const postgresUrl = inject("postgresUrl");
  if (!postgresUrl) throw new Error("database faults need a real PostgreSQL (DATABASE_URL)");
  const proxy = await FaultProxy.start(postgresUrl);
  const ctx = await createTestContext({ ...options, databaseThrough: (url) => proxy.urlFor(url) });
  const direct = postgres(ctx.directDatabaseUrl ?? "", { max: 1, onnotice: () => {} });
  return {
    proxy,
    ctx,
    direct,
    async close() {
      await proxy.up();
      await ctx.close();
      await direct.end({ timeout: 1 });
      await proxy.close();
    },
  };
}

/** What a write left behind, read directly: the ticket, its audit rows and its outbox events. */
export async function committedTrace(direct: postgres.Sql, ticketId: string, requestId: string) {
  const [ticket] = await direct<{ title: string; version: number }[]>`
    select title, version from tickets where id = ${ticketId}`;
  const [audit] = await direct<{ rows: number }[]>`
    select count(*)::int as rows from audit_log where request_id = ${requestId}`;
  const [events] = await direct<{ rows: number }[]>`
    select count(*)::int as rows from events where ticket_id = ${ticketId}`;
  return { ticket, auditRows: audit?.rows, events: events?.rows };
}

/**
 * Resolves once no other session of the database is inside a transaction: a transaction whose
 * connection was cut has then been rolled back by the server, not merely left uncommitted.
 */
export async function noOpenTransactions(direct: postgres.Sql): Promise<boolean> {
  const [open] = await direct<{ count: number }[]>`
    select count(*)::int as count from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null`;
  return open?.count === 0;
}
