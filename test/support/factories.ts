import { randomBytes } from "node:crypto";
import { users } from "../../src/db/schema.ts";
import type { Role } from "../../src/features/users/schemas.ts";
import { currentDoor } from "./doors/current.ts";
import type { TestContext } from "./test-context.ts";

export const DEFAULT_PASSWORD = "correct horse battery staple 42";
const hashes = new Map<string, Promise<string>>();

export interface TestUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  password: string;
}

export function uniqueEmail(label = "user"): string {
  return `${label}-${randomBytes(6).toString("hex")}@example.test`;
}

/** Inserts a user directly (hashing each distinct password once per file). */
export async function createUser(
  ctx: TestContext,
  overrides: Partial<Omit<TestUser, "id">> & { status?: "active" | "disabled" } = {},
): Promise<TestUser> {
  const password = overrides.password ?? DEFAULT_PASSWORD;
  let hash = hashes.get(password);
  if (!hash) {
    hash = ctx.deps.passwords.hash(password);
    hashes.set(password, hash);
  }
  const role = overrides.role ?? "reporter";
  const [row] = await ctx.deps.db
    .insert(users)
    .values({
      email: overrides.email ?? uniqueEmail(role),
      name: overrides.name ?? `Test ${role}`,
      role,
      status: overrides.status ?? "active",
      passwordHash: await hash,
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return { id: row.id, email: row.email, name: row.name, role: row.role, password };
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  cookie: string | null;
  headers: Record<string, string>;
}

/**
 * A random documentation-range IPv6 address per call, so rate-limit windows (which outlive a run
 * in the real Redis) never leak between tests, files or runs.
 */
export function freshIp(): string {
  const hex = randomBytes(12).toString("hex");
  return `2001:db8:${hex.match(/.{4}/g)?.join(":")}`;
}

// On the workerd door one isolate serves every request, and argon2 in WASM blocks it: a few
// fixture sign-ins at once hold the rate limiter's Redis reply past its deadline (a 503) on a
// loaded machine. Fixtures sign in one at a time there; tests that race logins send their own.
const signInQueues = new WeakMap<TestContext["app"], Promise<unknown>>();

export function login(
  ctx: TestContext,
  user: Pick<TestUser, "email" | "password">,
  ip = freshIp(),
): Promise<Session> {
  if (currentDoor() === "node") return loginNow(ctx, user, ip);
  const previous = signInQueues.get(ctx.app) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => loginNow(ctx, user, ip));
  signInQueues.set(ctx.app, next);
  return next;
}

async function loginNow(ctx: TestContext, user: Pick<TestUser, "email" | "password">, ip: string) {
  const response = await ctx.app.request("/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": ip, "User-Agent": "vitest" },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { accessToken: string; refreshToken: string };
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    cookie: response.headers.get("Set-Cookie"),
    headers: { Authorization: `Bearer ${body.accessToken}`, "X-Forwarded-For": ip },
  };
}

export async function signedIn(ctx: TestContext, role: Role) {
  const user = await createUser(ctx, { role });
  return { user, session: await login(ctx, user) };
}

export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}
