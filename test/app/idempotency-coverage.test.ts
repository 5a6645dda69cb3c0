import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDoorContext } from "../support/door.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createDoorContext();
});
afterAll(() => ctx.close());

/**
 * Session endpoints are deliberately left out: replaying a stored login or refresh response would
 * keep bearer credentials in Redis for a day, and logout or a password change is safe to repeat.
 * So are the routes a mailed single-use token drives: a repeat is refused by the token itself,
 * and accepting an invitation answers with credentials.
 */
const TOKEN_ENDPOINTS = new Set([
  "/v1/auth/login",
  "/v1/auth/refresh",
  "/v1/auth/logout",
  "/v1/auth/logout-all",
  "/v1/auth/password",
  "/v1/events/tokens",
  // A replayed answer would keep the new API key itself in Redis for a day.
  "/v1/api-keys",
  "/v1/auth/password-reset/confirm",
  "/v1/auth/email-verification/confirm",
  "/v1/auth/email-change/confirm",
  "/v1/auth/email-change/cancel",
  "/v1/invitations/accept",
  // Their answers carry a webhook signing secret, which a stored replay would keep in Redis.
  "/v1/webhooks",
  "/v1/webhooks/{id}/rotate-secret",
]);

describe("Idempotency-Key", () => {
  it("is accepted by every POST that creates or changes a resource", async () => {
    const document = (await (await ctx.app.request("/openapi.json")).json()) as {
      paths: Record<string, { post?: { parameters?: { name: string; in: string }[] } }>;
    };
    const posts = Object.entries(document.paths).filter(
      ([path, item]) => item.post && !TOKEN_ENDPOINTS.has(path),
    );
    expect(posts.length).toBeGreaterThan(5);
    const without = posts
      .filter(
        ([, item]) =>
          !item.post?.parameters?.some(
            (p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key",
          ),
      )
      .map(([path]) => path);
    expect(without).toEqual([]);
  });
});
