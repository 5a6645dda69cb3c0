import { hc } from "hono/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppType } from "../../src/app.ts";
import { createUser, freshIp } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
});
afterAll(() => ctx.close());

describe("typed client over the product routes", () => {
  it("signs in, reports a ticket, lists and comments with typed requests and responses", async () => {
    const ip = freshIp();
    const client = hc<AppType>("http://tixgenius.test", {
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => ctx.app.request(input, init),
      headers: { "X-Forwarded-For": ip },
    });
    const reporter = await createUser(ctx, { role: "reporter" });
    const signedIn = await client.v1.auth.login.$post({
      json: { email: reporter.email, password: reporter.password },
    });
    if (signedIn.status !== 200) throw new Error(`login: ${signedIn.status}`);
    const { accessToken, user } = await signedIn.json();
    expect(user.role).toBe("reporter");
    const auth = { headers: { Authorization: `Bearer ${accessToken}`, "X-Forwarded-For": ip } };

    const created = await client.v1.tickets.$post(
      { json: { title: "Printer on fire", priority: "urgent" }, header: {} },
      auth,
    );
    if (created.status !== 201) throw new Error(`create: ${created.status}`);
    const ticket = await created.json();
    expect(ticket.key).toMatch(/^TIX-\d+$/);
    expect(ticket.priority).toBe("urgent");

    const listed = await client.v1.tickets.$get({ query: { limit: "10" } }, auth);
    if (listed.status !== 200) throw new Error(`list: ${listed.status}`);
    expect((await listed.json()).data.map((item) => item.id)).toContain(ticket.id);

    const commented = await client.v1.tickets[":id"].comments.$post(
      { param: { id: ticket.id }, json: { body: "It is getting worse" }, header: {} },
      auth,
    );
    expect(commented.status).toBe(201);
  });

  it("makes an API key and calls with it, typed", async () => {
    const ip = freshIp();
    const client = hc<AppType>("http://tixgenius.test", {
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => ctx.app.request(input, init),
      headers: { "X-Forwarded-For": ip },
    });
    const developer = await createUser(ctx, { role: "developer" });
    const signedIn = await client.v1.auth.login.$post({
      json: { email: developer.email, password: developer.password },
    });
    if (signedIn.status !== 200) throw new Error(`login: ${signedIn.status}`);
    const { accessToken } = await signedIn.json();

    const created = await client.v1["api-keys"].$post(
      { json: { name: "Typed", scopes: ["tickets:read"], expiresInDays: 7 } },
      { headers: { Authorization: `Bearer ${accessToken}` } },
    );
    if (created.status !== 201) throw new Error(`create: ${created.status}`);
    const { id, key, scopes } = await created.json();
    expect(scopes).toEqual(["tickets:read"]);

    const listed = await client.v1.tickets.$get(
      { query: {} },
      { headers: { Authorization: `Bearer ${key}` } },
    );
    expect(listed.status).toBe(200);
    const revoked = await client.v1["api-keys"][":id"].$delete(
      { param: { id } },
      { headers: { Authorization: `Bearer ${accessToken}` } },
    );
    expect(revoked.status).toBe(204);
  });
});
