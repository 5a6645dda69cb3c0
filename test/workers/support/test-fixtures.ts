import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { createNativePasswordHasher } from "../../../src/adapters/passwords/native.ts";
import * as schema from "../../../src/db/schema.ts";
import { ROLES, type Role, USER_STATUSES } from "../../../src/features/users/schemas.ts";
import { DEFAULT_PASSWORD, uniqueEmail } from "../../support/factories.ts";

/** What the Worker tests ask for; every field has a default so `{}` is a reporter. */
export interface UserFixtureRequest {
  role?: Role;
  status?: (typeof USER_STATUSES)[number];
  password?: string;
  name?: string;
}

export interface UserFixture {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: (typeof USER_STATUSES)[number];
  password: string;
}

/**
 * A service binding that runs in Node, beside workerd, with direct access to the database the
 * Worker uses. The API cannot make an admin (registration only makes reporters, by design), so
 * the tests insert users here, hashed with the native argon2id the Node door uses.
 * POST /users {role?, status?, password?, name?} → 201 {id, email, name, role, status, password}.
 * POST /api-keys/expire {id} → 204: the key's expiry moves to a second ago (workerd's clock is
 * the system's, so this is how a test reaches a key's expiry without waiting a day).
 */
export function createTestFixturesService(databaseUrl: string | undefined) {
  if (!databaseUrl) throw new Error("TEST_FIXTURES needs the DATABASE_URL global setup provides");
  const url = databaseUrl;
  const passwords = createNativePasswordHasher();
  const hashes = new Map<string, Promise<string>>();
  let database: ReturnType<typeof connect> | undefined;

  function hashOnce(password: string): Promise<string> {
    let hash = hashes.get(password);
    if (!hash) {
      hash = passwords.hash(password);
      hashes.set(password, hash);
    }
    return hash;
  }

  async function createUser(request: UserFixtureRequest): Promise<UserFixture> {
    const role = request.role ?? "reporter";
    const password = request.password ?? DEFAULT_PASSWORD;
    database ??= connect(url);
    const [row] = await database
      .insert(schema.users)
      .values({
        email: uniqueEmail(`workers-${role}`),
        name: request.name ?? `Worker ${role}`,
        role,
        status: request.status ?? "active",
        passwordHash: await hashOnce(password),
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    return { id: row.id, email: row.email, name: row.name, role: row.role, status: row.status, password };
  }

  return async function testFixturesService(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/api-keys/expire") {
      const { id } = (await request.json()) as { id: string };
      database ??= connect(url);
      await database
        .update(schema.apiKeys)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(schema.apiKeys.id, id));
      return new Response(null, { status: 204 });
    }
    if (request.method !== "POST" || pathname !== "/users") return new Response("not found", { status: 404 });
    const body = (await request.json()) as UserFixtureRequest;
    if (body.role !== undefined && !ROLES.includes(body.role))
      return new Response("bad role", { status: 400 });
    if (body.status !== undefined && !USER_STATUSES.includes(body.status)) {
      return new Response("bad status", { status: 400 });
    }
    return Response.json(await createUser(body), { status: 201 });
  };
}

// One connection, closed after a second idle, so nothing holds the database (which global
// teardown drops) or keeps the vitest process alive once the tests are done.
function connect(url: string) {
  const client = postgres(url, { max: 1, idle_timeout: 1, connect_timeout: 5, onnotice: () => {} });
  return drizzle({ client, schema, casing: "snake_case" });
}
