import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsSnippet } from "../browser/support/snippets.ts";
import { createUser, login } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

type Snippet = (api: string, accessToken: string, fetch: typeof globalThis.fetch) => Promise<unknown[]>;

describe("README › API keys", () => {
  it("runs the snippet as written: makes a key, then lists open tickets with it", async () => {
    const user = await createUser(ctx, { role: "reporter" });
    const session = await login(ctx, user);
    const api = "http://tixgenius.test";
    const seen: string[] = [];
    const appFetch = (async (input: string | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      seen.push(
        `${init?.method ?? "GET"} ${url.pathname} ${new Headers(init?.headers).get("Authorization")?.slice(7, 11)}`,
      );
      return ctx.app.request(`${url.pathname}${url.search}`, init);
    }) as typeof globalThis.fetch;
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => Snippet;
    const run = new AsyncFunction(
      "api",
      "accessToken",
      "fetch",
      `${jsSnippet("README.md", "## API keys")}\nreturn openTickets;`,
    );

    const openTickets = await run(api, session.accessToken, appFetch);

    expect(Array.isArray(openTickets)).toBe(true);
    expect(seen).toEqual(["POST /v1/api-keys eyJh", "GET /v1/tickets tix_"]);
  });
});
