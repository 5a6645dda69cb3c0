import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weakEtagOf } from "../../src/middleware/private-caching.ts";
import { createUser, jsonRequest, login, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
});
afterAll(() => ctx.close());

const get = (path: string, session: Session, headers: Record<string, string> = {}) =>
  ctx.app.request(path, { headers: { ...session.headers, ...headers } });

function expectPrivate(response: Response) {
  expect(response.headers.get("Cache-Control")).toBe("private, no-cache");
  expect(response.headers.get("Vary")).toMatch(/\bAuthorization\b/);
}

async function expectNotModified(response: Response, etag: string) {
  expect(response.status).toBe(304);
  expect(await response.text()).toBe("");
  expect(response.headers.get("ETag")).toBe(etag);
  expectPrivate(response);
  expect(response.headers.get("X-Request-Id")).toBeTruthy();
  expect(response.headers.get("Content-Type")).toBeNull();
}

describe("privateCaching on /v1/*", () => {
  it("GET /v1/me: the version as ETag, private, and 304 for a matching If-None-Match", async () => {
    const user = await createUser(ctx);
    const session = await login(ctx, user);
    const first = await get("/v1/me", session);
    expect(first.status).toBe(200);
    expect(first.headers.get("ETag")).toBe('"1"');
    expectPrivate(first);

    await expectNotModified(await get("/v1/me", session, { "If-None-Match": '"1"' }), '"1"');
    await expectNotModified(await get("/v1/me", session, { "If-None-Match": 'W/"1"' }), '"1"');
    await expectNotModified(await get("/v1/me", session, { "If-None-Match": '"7", "1"' }), '"1"');
    await expectNotModified(await get("/v1/me", session, { "If-None-Match": "*" }), '"1"');
    expect((await get("/v1/me", session, { "If-None-Match": '"2"' })).status).toBe(200);
  });

  it("after PATCH /v1/me the old tag no longer matches: 200 with the new tag", async () => {
    const session = await login(ctx, await createUser(ctx));
    const renamed = await ctx.app.request(
      "/v1/me",
      jsonRequest("PATCH", { name: "Renamed" }, session.headers),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get("ETag")).toBe('"2"');
    // Writes are not cacheable responses.
    expect(renamed.headers.get("Cache-Control")).not.toBe("private, no-cache");

    const stale = await get("/v1/me", session, { "If-None-Match": '"1"' });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("ETag")).toBe('"2"');
    expect(((await stale.json()) as { name: string }).name).toBe("Renamed");
    await expectNotModified(await get("/v1/me", session, { "If-None-Match": '"2"' }), '"2"');
  });

  it("GET /v1/users/{id}: version ETag, 304, and a new tag after an admin PATCH", async () => {
    const target = await createUser(ctx);
    const path = `/v1/users/${target.id}`;
    const first = await get(path, admin);
    expect(first.status).toBe(200);
    expect(first.headers.get("ETag")).toBe('"1"');
    expectPrivate(first);
    await expectNotModified(await get(path, admin, { "If-None-Match": '"1"' }), '"1"');

    const patched = await ctx.app.request(path, jsonRequest("PATCH", { name: "Changed" }, admin.headers));
    expect(patched.status).toBe(200);
    const after = await get(path, admin, { "If-None-Match": '"1"' });
    expect(after.status).toBe(200);
    expect(after.headers.get("ETag")).toBe('"2"');
  });

  it("lists get a digest ETag: 304 while unchanged, a new tag once the list changes", async () => {
    await createUser(ctx, { role: "manager" });
    const path = "/v1/users?role=manager";
    const first = await get(path, admin);
    expect(first.status).toBe(200);
    const etag = first.headers.get("ETag") ?? "";
    const body = await first.text();
    expect(etag).toBe(weakEtagOf(body));
    expect(JSON.parse(body)).toHaveProperty("data"); // the body survives being read for its tag
    expectPrivate(first);

    const again = await get(path, admin);
    expect(again.headers.get("ETag")).toBe(etag);
    await expectNotModified(await get(path, admin, { "If-None-Match": etag }), etag);

    await createUser(ctx, { role: "manager" });
    const changed = await get(path, admin, { "If-None-Match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("ETag")).not.toBe(etag);
  });

  it("tags bodies by length and a hash that a one-character change alters", () => {
    const page = JSON.stringify({ items: [{ id: "a", title: "Login times out", version: 3 }] });
    expect(weakEtagOf(page)).toMatch(new RegExp(`^W/"${page.length.toString(16)}-[0-9a-f]{1,14}"$`));
    expect(weakEtagOf(page)).toBe(weakEtagOf(`${page}`));
    expect(weakEtagOf(page.replace('"version":3', '"version":4'))).not.toBe(weakEtagOf(page));
    expect(weakEtagOf(page.replace("Login", "Logon"))).not.toBe(weakEtagOf(page));
  });

  it("does not mark errors cacheable and never answers them with 304", async () => {
    const response = await get("/v1/users/00000000-0000-4000-8000-000000000000", admin, {
      "If-None-Match": "*",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("Cache-Control")).not.toBe("private, no-cache");
    const anonymous = await ctx.app.request("/v1/me", { headers: { "If-None-Match": "*" } });
    expect(anonymous.status).toBe(401);
  });
});
