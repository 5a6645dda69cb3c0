import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, users } from "../../src/db/schema.ts";
import { createDoorContext } from "../support/door.ts";
import { DEFAULT_PASSWORD, jsonRequest, type Session, signedIn, uniqueEmail } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true", CORS_ORIGINS: "https://app.example" } });
  admin = (await signedIn(ctx, "admin")).session;
});
afterAll(() => ctx.close());

/** Keys outlive a run in the real Redis: every test takes fresh ones. */
const freshKey = () => `test-${randomBytes(12).toString("hex")}`;
const newUser = (overrides: Record<string, unknown> = {}) => ({
  email: uniqueEmail("idem"),
  name: "Idempotent",
  role: "developer",
  password: DEFAULT_PASSWORD,
  ...overrides,
});
const createWithKey = (session: Session, key: string, body: unknown) =>
  ctx.app.request("/v1/users", jsonRequest("POST", body, { ...session.headers, "Idempotency-Key": key }));
const usersWithEmail = async (email: string) =>
  (
    await ctx.deps.db
      .select({ n: sql<number>`count(*)::int` })
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`)
  )[0]?.n;

describe("Idempotency-Key on POST /v1/users", () => {
  it("replays the stored response for the same key and body, creating one user", async () => {
    const key = freshKey();
    const body = newUser();
    const first = await createWithKey(admin, key, body);
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const firstBody = await first.text();

    const replay = await createWithKey(admin, key, body);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.text()).toBe(firstBody);
    expect(replay.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(replay.headers.get("ETag")).toBe(first.headers.get("ETag"));
    expect(replay.headers.get("Content-Type")).toBe(first.headers.get("Content-Type"));
    expect(replay.headers.get("X-Request-Id")).not.toBe(first.headers.get("X-Request-Id"));

    expect(await usersWithEmail(body.email)).toBe(1);
    const { id } = JSON.parse(firstBody) as { id: string };
    const audit = await ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    expect(audit).toHaveLength(1);
  });

  it("gives a replay the headers every answer carries: CORS, rate limit, request id", async () => {
    const key = freshKey();
    const body = newUser();
    const send = () =>
      ctx.app.request(
        "/v1/users",
        jsonRequest("POST", body, {
          ...admin.headers,
          "Idempotency-Key": key,
          Origin: "https://app.example",
        }),
      );
    expect((await send()).status).toBe(201);
    const replay = await send();
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(replay.headers.get("Access-Control-Expose-Headers")).toContain("Idempotent-Replayed");
    expect(replay.headers.get("RateLimit-Policy")).toBeTruthy();
    expect(replay.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("refuses the same key with a different body: 422", async () => {
    const key = freshKey();
    const body = newUser();
    expect((await createWithKey(admin, key, body)).status).toBe(201);
    const other = newUser();
    const reused = await createWithKey(admin, key, other);
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { code: string }).code).toBe("idempotency_key_reused");
    expect(await usersWithEmail(other.email)).toBe(0);
  });

  it("lets one of two simultaneous duplicates through; the other is 409 or the replay", async () => {
    const key = freshKey();
    const body = newUser();
    const responses = await Promise.all([createWithKey(admin, key, body), createWithKey(admin, key, body)]);
    const outcomes = responses.map((response) =>
      response.headers.get("Idempotent-Replayed") ? "replayed" : String(response.status),
    );
    expect(outcomes.filter((outcome) => outcome === "201")).toHaveLength(1);
    expect(["409", "replayed"]).toContain(outcomes.find((outcome) => outcome !== "201"));
    const conflict = responses.find((response) => response.status === 409);
    if (conflict) {
      expect(((await conflict.json()) as { code: string }).code).toBe("idempotency_in_flight");
    }
    expect(await usersWithEmail(body.email)).toBe(1);
  });

  it("keeps keys per user: another admin with the same key gets their own effect", async () => {
    const other = (await signedIn(ctx, "admin")).session;
    const key = freshKey();
    const mine = newUser();
    const theirs = newUser();
    expect((await createWithKey(admin, key, mine)).status).toBe(201);
    const response = await createWithKey(other, key, theirs);
    expect(response.status).toBe(201);
    expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await usersWithEmail(mine.email)).toBe(1);
    expect(await usersWithEmail(theirs.email)).toBe(1);
  });

  it("does not replay another caller's response for the same key and body", async () => {
    const other = (await signedIn(ctx, "admin")).session;
    const key = freshKey();
    const body = newUser();
    expect((await createWithKey(admin, key, body)).status).toBe(201);
    const response = await createWithKey(other, key, body);
    expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    expect(response.status).toBe(409); // their own attempt: the email is taken
    expect(((await response.json()) as { code: string }).code).toBe("email_taken");
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(129)],
    ["with a space", "has space"],
    ["non-ASCII", "clé"],
  ])("answers 400 for a key that is %s", async (_name, key) => {
    const body = newUser();
    const response = await ctx.app.request(
      "/v1/users",
      jsonRequest("POST", body, { ...admin.headers, "Idempotency-Key": key }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe("invalid_idempotency_key");
    expect(await usersWithEmail(body.email)).toBe(0);
  });

  it("does not store errors: a 400 then a corrected retry with the same key succeeds", async () => {
    const key = freshKey();
    const body = newUser();
    const invalid = await createWithKey(admin, key, { ...body, role: "emperor" });
    expect(invalid.status).toBe(400);
    const fixed = await createWithKey(admin, key, body);
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
    const replay = await createWithKey(admin, key, body);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await usersWithEmail(body.email)).toBe(1);
  });

  it("does not store a conflict either: the retry runs again", async () => {
    const taken = newUser();
    expect((await createWithKey(admin, freshKey(), taken)).status).toBe(201);
    const key = freshKey();
    const clash = { ...newUser(), email: taken.email };
    expect((await createWithKey(admin, key, clash)).status).toBe(409);
    const retry = await createWithKey(admin, key, clash);
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as { code: string }).code).toBe("email_taken");
  });

  it("works without a key, as before", async () => {
    const body = newUser();
    const response = await ctx.app.request("/v1/users", jsonRequest("POST", body, admin.headers));
    expect(response.status).toBe(201);
    expect(await usersWithEmail(body.email)).toBe(1);
  });
});
