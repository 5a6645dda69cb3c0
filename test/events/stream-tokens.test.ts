import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema.ts";
import { createDoorContext } from "../support/door.ts";
import { type Session, signedIn } from "../support/factories.ts";
import { readSse } from "../support/sse.ts";
import type { TestContext } from "../support/test-context.ts";
import { DELIVERY_MS, openStream, produce, STREAM_ENV, ticketOf } from "./stream-support.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { ...STREAM_ENV, EVENT_STREAM_TOKEN_TTL_SECONDS: "5" } });
});
afterAll(() => ctx.close());

async function issueToken(session: Session): Promise<{ token: string; expiresAt: string }> {
  const response = await ctx.app.request("/v1/events/tokens", { method: "POST", headers: session.headers });
  expect(response.status).toBe(201);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  return (await response.json()) as { token: string; expiresAt: string };
}

/** Opens the stream with nothing but the token, as EventSource does. */
function streamWithToken(token: string, signal?: AbortSignal) {
  return ctx.app.request(`/v1/events?token=${encodeURIComponent(token)}`, signal ? { signal } : {});
}

async function expectInvalidToken(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  expect(((await response.json()) as { code: string }).code).toBe("invalid_stream_token");
}

describe("stream tokens", () => {
  it("issues an opaque 256-bit token, stored only as a hash, expiring after the configured TTL", async () => {
    const { session } = await signedIn(ctx, "developer");
    const before = Date.now();
    const { token, expiresAt } = await issueToken(session);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - before).toBeGreaterThan(4000);
    expect(Date.parse(expiresAt) - before).toBeLessThan(7000);
    const hash = createHash("sha256").update(token).digest("hex");
    expect(await ctx.deps.redis.ttl(`tix:event-stream-token:${hash}`)).toBeGreaterThan(0);
    expect(await ctx.deps.redis.exists(`tix:event-stream-token:${token}`)).toBe(0);
    expect((await issueToken(session)).token).not.toBe(token);
  });

  it("never replays a token, even for a repeated Idempotency-Key (no credential is stored)", async () => {
    const { session } = await signedIn(ctx, "developer");
    const headers = { ...session.headers, "Idempotency-Key": crypto.randomUUID() };
    const send = () => ctx.app.request("/v1/events/tokens", { method: "POST", headers });
    const [first, retry] = [await send(), await send()];
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
    expect(((await retry.json()) as { token: string }).token).not.toBe(
      ((await first.json()) as { token: string }).token,
    );
  });

  it("opens the stream as the token's user, once: a second use is 401", async () => {
    const { user, session } = await signedIn(ctx, "reporter");
    const { token } = await issueToken(session);
    const abort = new AbortController();
    const response = await streamWithToken(token, abort.signal);
    expect(response.status).toBe(200);
    const stream = readSse(response, abort);
    try {
      await stream.until((sse) => sse.comments.includes("live"));
      const id = await produce(ctx, ticketOf({ reporterId: user.id }));
      await stream.until((sse) => sse.events().some((event) => event.id === id), DELIVERY_MS);
      await expectInvalidToken(await streamWithToken(token));
    } finally {
      await stream.close();
    }
  });

  it("lets only one of two concurrent requests use a token", async () => {
    const { session } = await signedIn(ctx, "reporter");
    const { token } = await issueToken(session);
    const aborts = [new AbortController(), new AbortController()];
    const responses = await Promise.all(aborts.map((abort) => streamWithToken(token, abort.signal)));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 401]);
    // Cancel before aborting: over a real connection the abort errors the body, and cancel with it.
    await Promise.all(responses.map((response) => response.body?.cancel()));
    for (const abort of aborts) abort.abort();
  });

  it("refuses a wrong, malformed or expired token, and one whose session or user is gone", async () => {
    await expectInvalidToken(await streamWithToken("A".repeat(43)));
    await expectInvalidToken(await streamWithToken("not a token"));

    const loggedOut = await signedIn(ctx, "developer");
    const orphan = await issueToken(loggedOut.session);
    await ctx.app.request("/v1/auth/logout", { method: "POST", headers: loggedOut.session.headers });
    await expectInvalidToken(await streamWithToken(orphan.token));

    const disabled = await signedIn(ctx, "developer");
    const ofDisabled = await issueToken(disabled.session);
    await ctx.deps.db.update(users).set({ status: "disabled" }).where(eq(users.id, disabled.user.id));
    await expectInvalidToken(await streamWithToken(ofDisabled.token));

    const { session } = await signedIn(ctx, "developer");
    const expiring = await issueToken(session);
    await new Promise((resolve) => setTimeout(resolve, 5200));
    await expectInvalidToken(await streamWithToken(expiring.token));
  }, 15_000);

  it("needs authentication: no credentials is 401, a bearer header works without a token", async () => {
    const anonymous = await ctx.app.request("/v1/events");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    expect((await ctx.app.request("/v1/events/tokens", { method: "POST" })).status).toBe(401);
    const badBearer = await ctx.app.request("/v1/events", { headers: { Authorization: "Bearer nope" } });
    expect(badBearer.status).toBe(401);

    const { session } = await signedIn(ctx, "manager");
    const stream = await openStream(ctx, session.headers);
    await stream.close();
    expect(stream.comments).toContain("live");
  });
});
