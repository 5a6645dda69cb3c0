import { env } from "cloudflare:workers";
import type { Role } from "../../../src/features/users/schemas.ts";
import { freshIp, jsonRequest, type Session } from "../../support/factories.ts";
import { workerFetch } from "./requests.ts";
import type { UserFixture, UserFixtureRequest } from "./test-fixtures.ts";

interface ServiceBinding {
  fetch(input: string, init: RequestInit): Promise<Response>;
}

// Runs in Node (vitest.workers.config.ts binds it) and writes to the database the Worker reads.
const fixtures = env.TEST_FIXTURES as ServiceBinding;

/** Inserts a user of any role straight into the Worker's database (a reporter by default). */
export async function createUser(request: UserFixtureRequest = {}): Promise<UserFixture> {
  const response = await fixtures.fetch("http://fixtures/users", {
    method: "POST",
    body: JSON.stringify(request),
  });
  if (response.status !== 201) throw new Error(`fixture failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as UserFixture;
}

/**
 * Signs in through the Worker from a fresh client address unless told otherwise: on Workers the
 * client IP is CF-Connecting-IP, and per-IP rate-limit windows outlive a run in the real Redis.
 */
export async function login(
  user: Pick<UserFixture, "email" | "password">,
  ip = freshIp(),
  userAgent = "vitest-workerd",
): Promise<Session> {
  const response = await workerFetch(
    "/v1/auth/login",
    jsonRequest(
      "POST",
      { email: user.email, password: user.password },
      { "CF-Connecting-IP": ip, "User-Agent": userAgent },
    ),
  );
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { accessToken: string; refreshToken: string };
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    cookie: response.headers.get("Set-Cookie"),
    headers: { Authorization: `Bearer ${body.accessToken}`, "CF-Connecting-IP": ip },
  };
}

export async function signedIn(role: Role): Promise<{ user: UserFixture; session: Session }> {
  const user = await createUser({ role });
  return { user, session: await login(user) };
}

/** GET /v1/me with nothing but the access token (and a fresh client address). */
export function fetchMe(accessToken: string): Promise<Response> {
  return workerFetch("/v1/me", {
    headers: { Authorization: `Bearer ${accessToken}`, "CF-Connecting-IP": freshIp() },
  });
}

export function refreshWithBody(refreshToken: string): Promise<Response> {
  return workerFetch(
    "/v1/auth/refresh",
    jsonRequest("POST", { refreshToken }, { "CF-Connecting-IP": freshIp() }),
  );
}

/** The session id a refresh token carries (`<session id>.<secret>`). */
export function sessionIdOf(session: Pick<Session, "refreshToken">): string {
  const [sessionId] = session.refreshToken.split(".");
  if (!sessionId) throw new Error("refresh token without a session id");
  return sessionId;
}
