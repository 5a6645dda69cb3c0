import { expect } from "vitest";
import { freshIp, jsonRequest, type Session } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  kind: "personal" | "service";
  ownerId: string;
  createdBy: string;
  scopes: string[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** POST /v1/api-keys as the session's user; fails the test unless it is a 201. */
export async function createKey(
  ctx: TestContext,
  session: Session,
  body: { name?: string; scopes: string[]; expiresInDays?: number | null; ownerId?: string },
): Promise<CreatedKey> {
  const response = await ctx.app.request(
    "/v1/api-keys",
    jsonRequest("POST", { name: `Key ${crypto.randomUUID().slice(0, 8)}`, ...body }, session.headers),
  );
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as CreatedKey;
}

/** Headers of a request made with an API key, from a fresh client address. */
export function keyHeaders(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}`, "X-Forwarded-For": freshIp() };
}

export function withKey(ctx: TestContext, key: string, path: string, init: RequestInit = {}) {
  return ctx.app.request(path, { ...init, headers: { ...keyHeaders(key), ...(init.headers ?? {}) } });
}

/** The problem document of a refused request, without what differs per request. */
export async function problemOf(response: Response) {
  const {
    requestId: _requestId,
    instance: _instance,
    ...problem
  } = (await response.json()) as Record<string, unknown>;
  return { status: response.status, problem, wwwAuthenticate: response.headers.get("WWW-Authenticate") };
}
