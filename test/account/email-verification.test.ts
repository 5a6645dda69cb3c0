import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshIp, jsonRequest, login, uniqueEmail } from "../support/factories.ts";
import { tokenIn } from "../support/mail-catcher.ts";
import { type MailFlowContext, startMailFlow } from "../support/mail-flow.ts";

let flow: MailFlowContext;
beforeAll(async () => {
  flow = await startMailFlow({ env: { EMAIL_VERIFICATION: "required" } });
});
afterAll(() => flow.close());

const PASSWORD = "correct horse battery staple 42";

async function register(email: string, name = "Vera Verify") {
  const response = await flow.ctx.app.request(
    "/v1/auth/register",
    jsonRequest("POST", { email, password: PASSWORD, name }, { "X-Forwarded-For": freshIp() }),
  );
  expect(response.status).toBe(201);
}

const confirm = (token: string) =>
  flow.ctx.app.request(
    "/v1/auth/email-verification/confirm",
    jsonRequest("POST", { token }, { "X-Forwarded-For": freshIp() }),
  );

describe("EMAIL_VERIFICATION=required", () => {
  it("signs a new account in, refuses it every action with a code until the mailed link is used", async () => {
    const email = uniqueEmail("verify");
    await register(email, "<script>alert('x')</script>");
    const session = await login(flow.ctx, { email, password: PASSWORD });

    const blocked = await flow.ctx.app.request("/v1/tickets", { headers: session.headers });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ code: "email_verification_required" });
    expect((await flow.ctx.app.request("/v1/me", { headers: session.headers })).status).toBe(200);

    const mail = await flow.mail.waitFor(email, { subject: /Confirm your email address/ });
    expect(mail.text).toContain("verify-email?token=");
    // The name is user content: escaped in HTML, verbatim in the plain-text part.
    expect(mail.html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(mail.html).not.toContain("<script>");
    expect(mail.text).toContain("<script>alert('x')</script>");

    expect((await confirm(tokenIn(mail))).status).toBe(204);
    expect((await flow.ctx.app.request("/v1/tickets", { headers: session.headers })).status).toBe(200);
    expect((await confirm(tokenIn(mail))).status).toBe(400);

    const again = await flow.ctx.app.request("/v1/me/email-verification", {
      method: "POST",
      headers: session.headers,
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "email_verified" });
  });

  it("resends a link (the older one stops working), rate-limited per user", async () => {
    const email = uniqueEmail("resend");
    await register(email);
    const session = await login(flow.ctx, { email, password: PASSWORD });
    const resend = () =>
      flow.ctx.app.request("/v1/me/email-verification", { method: "POST", headers: session.headers });
    expect((await resend()).status).toBe(202);
    await expect.poll(async () => (await flow.mail.to(email)).length, { timeout: 10_000 }).toBe(2);
    const [first, second] = await flow.mail.to(email);
    expect((await confirm(tokenIn(first as never))).status).toBe(400);

    expect((await resend()).status).toBe(202);
    expect((await resend()).status).toBe(202);
    const limited = await resend();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await confirm(tokenIn(second as never))).status).toBe(400);
  });
});

describe("EMAIL_VERIFICATION=optional and off", () => {
  it("optional: mails the link at registration but lets the account act; off: mails nothing", async () => {
    const optional = await startMailFlow({ env: { EMAIL_VERIFICATION: "optional" } });
    const off = await startMailFlow({ env: { EMAIL_VERIFICATION: "off" } });
    try {
      for (const [mode, context] of [
        ["optional", optional],
        ["off", off],
      ] as const) {
        const email = uniqueEmail(mode);
        const registered = await context.ctx.app.request(
          "/v1/auth/register",
          jsonRequest("POST", { email, password: PASSWORD, name: "Opal" }, { "X-Forwarded-For": freshIp() }),
        );
        expect(registered.status).toBe(201);
        const session = await login(context.ctx, { email, password: PASSWORD });
        expect((await context.ctx.app.request("/v1/tickets", { headers: session.headers })).status).toBe(200);
        if (mode === "optional") {
          await context.mail.waitFor(email, { subject: /Confirm your email address/ });
        } else {
          // Nothing at registration: the one mail is the link the person asks for afterwards, which
          // also proves the queue was running.
          const asked = await context.ctx.app.request("/v1/me/email-verification", {
            method: "POST",
            headers: session.headers,
          });
          expect(asked.status).toBe(202);
          await context.mail.waitFor(email);
          expect(await context.mail.to(email)).toHaveLength(1);
        }
      }
    } finally {
      await optional.close();
      await off.close();
    }
  });
});
