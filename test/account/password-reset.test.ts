import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountTokens, auditLog } from "../../src/db/schema.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { createUser, freshIp, jsonRequest, login, uniqueEmail } from "../support/factories.ts";
import { tokenIn } from "../support/mail-catcher.ts";
import { type MailFlowContext, startMailFlow } from "../support/mail-flow.ts";

let flow: MailFlowContext;
beforeAll(async () => {
  flow = await startMailFlow();
});
afterAll(() => flow.close());

const NEW_PASSWORD = "a brand new passphrase 93";

function askReset(email: string, ip = freshIp()) {
  return flow.ctx.app.request(
    "/v1/auth/password-reset",
    jsonRequest("POST", { email }, { "X-Forwarded-For": ip }),
  );
}

function confirmReset(token: string, newPassword = NEW_PASSWORD) {
  return flow.ctx.app.request(
    "/v1/auth/password-reset/confirm",
    jsonRequest("POST", { token, newPassword }, { "X-Forwarded-For": freshIp() }),
  );
}

async function resetMailFor(email: string) {
  return flow.mail.waitFor(email, { subject: /Reset your TixGenius password/ });
}

describe("password reset (ASVS 5.0 6.4.3)", () => {
  it("mails a single-use link that sets the password, ends every session and mails a notice", async () => {
    const user = await createUser(flow.ctx, { name: "Rita Reset" });
    const session = await login(flow.ctx, user);
    const asked = await askReset(user.email.toUpperCase());
    expect(asked.status).toBe(202);

    const mail = await resetMailFor(user.email);
    expect(mail.text).toContain("Rita Reset");
    expect(mail.text).toContain("http://localhost:5173/reset-password?token=");
    expect(mail.html).toContain("reset-password?token=");
    const token = tokenIn(mail);
    // 256 random bits, base64url; only the hash is stored.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [stored] = await flow.ctx.deps.db
      .select()
      .from(accountTokens)
      .where(eq(accountTokens.tokenHash, await sha256Hex(token)));
    expect(stored?.purpose).toBe("password_reset");
    const minutesValid = ((stored?.expiresAt.getTime() ?? 0) - (stored?.createdAt.getTime() ?? 0)) / 60_000;
    expect(minutesValid).toBeGreaterThan(29.9);
    expect(minutesValid).toBeLessThan(30.1);
    const tokens = await flow.ctx.deps.db.select({ hash: accountTokens.tokenHash }).from(accountTokens);
    expect(JSON.stringify(tokens)).not.toContain(token);

    expect((await confirmReset(token)).status).toBe(204);
    await expect(login(flow.ctx, { email: user.email, password: NEW_PASSWORD })).resolves.toBeDefined();
    await expect(login(flow.ctx, user)).rejects.toThrow(/401/);
    const me = await flow.ctx.app.request("/v1/me", { headers: session.headers });
    expect(me.status).toBe(401);

    const notice = await flow.mail.waitFor(user.email, { subject: /password was changed/ });
    expect(notice.text).toContain("every session was signed out");

    const reused = await confirmReset(token, "yet another passphrase 11");
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ errors: [{ path: "body.token" }] });

    const audit = await flow.ctx.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.entityId, user.id));
    expect(audit.map((row) => row.action)).toEqual(
      expect.arrayContaining(["user.password_reset_requested", "user.password_reset"]),
    );
  });

  it("refuses a token after 30 minutes, and a new link retires the earlier one", async () => {
    const user = await createUser(flow.ctx);
    await askReset(user.email);
    const first = tokenIn(await resetMailFor(user.email));
    await askReset(user.email);
    const mails = async () => (await flow.mail.to(user.email)).filter((mail) => /Reset/.test(mail.subject));
    await expect.poll(async () => (await mails()).length, { timeout: 10_000 }).toBe(2);
    const second = tokenIn((await mails())[1] as never);
    expect(second).not.toBe(first);
    expect((await confirmReset(first)).status).toBe(400);

    flow.advance(31 * 60_000);
    try {
      const expired = await confirmReset(second);
      expect(expired.status).toBe(400);
      await expect(login(flow.ctx, user)).resolves.toBeDefined();
    } finally {
      flow.advance(-31 * 60_000);
    }
  });

  it("holds the new password to the policy of every password", async () => {
    const user = await createUser(flow.ctx);
    await askReset(user.email);
    const token = tokenIn(await resetMailFor(user.email));
    const weak = await confirmReset(token, "password123");
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ errors: [{ path: "body.newPassword" }] });
    // The refused attempt did not use the token up.
    expect((await confirmReset(token)).status).toBe(204);
  });

  it("lets one of two concurrent uses of a token through", async () => {
    const user = await createUser(flow.ctx);
    await askReset(user.email);
    const token = tokenIn(await resetMailFor(user.email));
    const [one, two] = await Promise.all([
      confirmReset(token),
      confirmReset(token, "another fine passphrase 5"),
    ]);
    expect([one.status, two.status].sort()).toEqual([204, 400]);
  });
});

describe("password reset without enumeration", () => {
  it("answers a known and an unknown address alike: status, body, headers and timing", async () => {
    const user = await createUser(flow.ctx);
    const unknown = uniqueEmail("nobody");
    const shape = async (response: Response) => {
      const headers = Object.fromEntries(
        [...response.headers.entries()].filter(([name]) => !/^(ratelimit|x-request-id)/i.test(name)),
      );
      return { status: response.status, body: await response.text(), headers };
    };
    expect(await shape(await askReset(user.email))).toEqual(await shape(await askReset(unknown)));

    const time = async (email: string) => {
      const started = performance.now();
      await askReset(email);
      return performance.now() - started;
    };
    const samples = { known: [] as number[], unknown: [] as number[] };
    for (let round = 0; round < 8; round++) {
      const known = await createUser(flow.ctx);
      samples.known.push(await time(known.email));
      samples.unknown.push(await time(uniqueEmail("nobody")));
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    // The lookup happens after the answer: both are the cost of validation and the rate limiter.
    expect(Math.abs(median(samples.known) - median(samples.unknown))).toBeLessThan(25);
    await flow.mail.waitFor(user.email, { subject: /Reset/ });
    expect(await flow.mail.to(unknown)).toEqual([]);
  });

  it("mails a disabled account nothing", async () => {
    const user = await createUser(flow.ctx, { status: "disabled" });
    expect((await askReset(user.email)).status).toBe(202);
    const active = await createUser(flow.ctx);
    await askReset(active.email);
    await flow.mail.waitFor(active.email);
    expect(await flow.mail.to(user.email)).toEqual([]);
  });
});

describe("password reset rate limits", () => {
  it("limits one IP (429), and one address in silence (202, no more mail)", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++)
      statuses.push((await askReset(uniqueEmail("x"), ip)).status);
    expect(statuses.slice(0, 10).every((status) => status === 202)).toBe(true);
    expect(statuses[10]).toBe(429);

    const user = await createUser(flow.ctx);
    for (let attempt = 0; attempt < 5; attempt++) expect((await askReset(user.email)).status).toBe(202);
    await expect.poll(async () => (await flow.mail.to(user.email)).length, { timeout: 10_000 }).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await flow.mail.to(user.email)).toHaveLength(3);
    const issued = await flow.ctx.deps.db
      .select({ id: accountTokens.id })
      .from(accountTokens)
      .where(and(eq(accountTokens.userId, user.id), eq(accountTokens.purpose, "password_reset")));
    expect(issued).toHaveLength(3);
  });
});
