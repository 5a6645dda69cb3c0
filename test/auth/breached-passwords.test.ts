import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { breachCheckMode } from "../../src/adapters/breached-passwords.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { DEFAULT_PASSWORD, freshIp, jsonRequest, signedIn, uniqueEmail } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

/** What the stand-in for Have I Been Pwned's range API answers next. */
type RangeBehaviour = { kind: "lines"; body: string } | { kind: "status"; status: number } | { kind: "hang" };

/** A local HTTP server in place of the range API: it records every request it receives. */
interface CapturingServer {
  rangeUrl: string;
  received: { url: string; headers: IncomingMessage["headers"] }[];
  answer(behaviour: RangeBehaviour): void;
  close(): Promise<void>;
}

async function startCapturingServer(): Promise<CapturingServer> {
  let behaviour: RangeBehaviour = { kind: "lines", body: "" };
  const received: CapturingServer["received"] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    received.push({ url: request.url ?? "", headers: request.headers });
    if (behaviour.kind === "hang") hanging.push(response);
    else if (behaviour.kind === "status") response.writeHead(behaviour.status).end();
    else response.writeHead(200, { "Content-Type": "text/plain" }).end(behaviour.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    rangeUrl: `http://127.0.0.1:${port}/range/`,
    received,
    answer: (next) => {
      behaviour = next;
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const sha1 = (password: string) => createHash("sha1").update(password).digest("hex").toUpperCase();
/** A range answer with decoys around the line for `password` (count 0 is HIBP's padding). */
const rangeListing = (password: string, count: number) =>
  [
    "0018A45C4D1DEF81644B54AB7F969B88D65:1",
    `${sha1(password).slice(5)}:${count}`,
    "FFFFF1C4D1DEF81644B54AB7F969B88D6:0",
  ].join("\r\n");

let ctx: TestContext;
let range: CapturingServer;
beforeAll(async () => {
  range = await startCapturingServer();
  ctx = await createTestContext({
    env: {
      TRUST_PROXY: "true",
      PASSWORD_BREACH_CHECK: "hibp",
      PASSWORD_BREACH_CHECK_URL: range.rangeUrl,
      PASSWORD_BREACH_CHECK_TIMEOUT_MS: "300",
    },
  });
});
afterAll(async () => {
  await ctx.close();
  await range.close();
});
beforeEach(() => {
  range.received.length = 0;
});

const register = (password: string) =>
  ctx.app.request(
    "/v1/auth/register",
    jsonRequest(
      "POST",
      { email: uniqueEmail("breach"), password, name: "Breach" },
      { "X-Forwarded-For": freshIp() },
    ),
  );

async function expectTooCommon(response: Response, path: string): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = (await response.json()) as { code: string; errors: { path: string }[] };
  expect(problem.code).toBe("validation_failed");
  expect(problem.errors.map((error) => error.path)).toEqual([path]);
}

describe("the local list of common passwords", () => {
  it.each(["password123", "Password123", "qwerty123", "aaaaaaaa", "qwerqwer"])(
    "refuses %s without asking anyone",
    async (password) => {
      await expectTooCommon(await register(password), "body.password");
      expect(range.received).toEqual([]);
    },
  );
});

describe("the Have I Been Pwned range check (PASSWORD_BREACH_CHECK=hibp)", () => {
  it("sends only the first 5 hex digits of the SHA-1 and refuses a listed password like a common one", async () => {
    const password = `breached ${randomUUID()}`;
    range.answer({ kind: "lines", body: rangeListing(password, 42) });

    await expectTooCommon(await register(password), "body.password");

    expect(range.received).toHaveLength(1);
    const [sent] = range.received;
    expect(sent?.url).toBe(`/range/${sha1(password).slice(0, 5)}`);
    const everythingSent = JSON.stringify(sent).toUpperCase();
    expect(everythingSent).not.toContain(sha1(password).slice(5, 12));
    expect(everythingSent).not.toContain(password.toUpperCase());
  });

  it("accepts a password the range lists only as padding (count 0) or not at all", async () => {
    const padded = `padded ${randomUUID()}`;
    range.answer({ kind: "lines", body: rangeListing(padded, 0) });
    expect((await register(padded)).status).toBe(201);

    range.answer({ kind: "lines", body: rangeListing("some other password", 7) });
    expect((await register(`unlisted ${randomUUID()}`)).status).toBe(201);
    expect(range.received).toHaveLength(2);
  });

  it.each([
    ["does not answer within the deadline", { kind: "hang" } as const],
    ["fails with a 503", { kind: "status", status: 503 } as const],
  ])("falls back to the local check when the range API %s", async (_how, behaviour) => {
    range.answer(behaviour);
    expect((await register(`fallback ${randomUUID()}`)).status).toBe(201);
    expect(range.received).toHaveLength(1);
    await expectTooCommon(await register("password123"), "body.password");
  });

  it("checks a new password on password change and on user creation too", async () => {
    const password = `breached ${randomUUID()}`;
    range.answer({ kind: "lines", body: rangeListing(password, 3) });
    const { session } = await signedIn(ctx, "reporter");
    const changed = await ctx.app.request(
      "/v1/auth/password",
      jsonRequest("POST", { currentPassword: DEFAULT_PASSWORD, newPassword: password }, session.headers),
    );
    await expectTooCommon(changed, "body.newPassword");

    const admin = await signedIn(ctx, "admin");
    const created = await ctx.app.request(
      "/v1/users",
      jsonRequest(
        "POST",
        { email: uniqueEmail(), name: "New", role: "developer", password },
        admin.session.headers,
      ),
    );
    await expectTooCommon(created, "body.password");
    expect(range.received.map((request) => request.url)).toEqual([
      `/range/${sha1(password).slice(0, 5)}`,
      `/range/${sha1(password).slice(0, 5)}`,
    ]);
  });
});

describe("PASSWORD_BREACH_CHECK", () => {
  const configFor = (env: Record<string, string>) =>
    parseConfig({
      JWT_SECRET: "a".repeat(40),
      DATABASE_URL: "postgres://db.example/app",
      UPSTASH_REDIS_REST_URL: "https://redis.example",
      UPSTASH_REDIS_REST_TOKEN: "token",
      SMTP_URL: "smtps://user:pw@smtp.example:465",
      APP_URL: "https://app.example",
      ...env,
    });

  it.each([
    [{ NODE_ENV: "production" }, "hibp"],
    [{ NODE_ENV: "staging" }, "hibp"],
    [{ NODE_ENV: "development" }, "off"],
    [{ NODE_ENV: "test" }, "off"],
    [{ NODE_ENV: "production", PASSWORD_BREACH_CHECK: "off" }, "off"],
    [{ NODE_ENV: "development", PASSWORD_BREACH_CHECK: "hibp" }, "hibp"],
  ])("resolves %j to %s", (env, mode) => {
    expect(breachCheckMode(configFor(env))).toBe(mode);
  });

  it("refuses an unknown mode, and a clear-text range URL in production", () => {
    expect(() => configFor({ PASSWORD_BREACH_CHECK: "maybe" })).toThrow(/PASSWORD_BREACH_CHECK:/);
    expect(() =>
      configFor({ NODE_ENV: "production", PASSWORD_BREACH_CHECK_URL: "http://range.example/range/" }),
    ).toThrow(/PASSWORD_BREACH_CHECK_URL:/);
  });
});
