import postgres from "postgres";

/**
 * Which real services the suite uses. With DATABASE_URL / REDIS_URL set the suite runs against
 * them; without, it uses PGlite and the gateway's memory backend so a fresh machine passes too.
 * In CI both are mandatory: a silent fallback there would test the wrong thing.
 */
export function requestedServices(env: NodeJS.ProcessEnv = process.env) {
  const databaseUrl = env.DATABASE_URL || undefined;
  const redisUrl = env.REDIS_URL || undefined;
  if (env.CI === "true") {
    const missing = [!databaseUrl && "DATABASE_URL", !redisUrl && "REDIS_URL"].filter(Boolean);
    if (missing.length > 0) throw new Error(`CI=true requires ${missing.join(" and ")} (real services).`);
  }
  return { databaseUrl, redisUrl };
}

export async function assertPostgresReachable(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    throw new Error(`PostgreSQL at ${redactUrl(url)} is unreachable: ${(error as Error).message}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export function databaseUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
