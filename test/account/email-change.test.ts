import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, freshIp, jsonRequest, login, type Session, uniqueEmail } from "../support/factories.ts";
import { tokenIn } from "../support/mail-catcher.ts";
import { type MailFlowContext, startMailFlow } from "../support/mail-flow.ts";

let flow: MailFlowContext;
beforeAll(async () => {
  flow = await startMailFlow();
});
afterAll(() => flow.close());

function requestChange(session: Session, body: Record<string, unknown>) {
  return flow.ctx.app.request("/v1/me/email", jsonRequest("POST", body, session.headers));
}

const post = (path: string, token: string) =>
  flow.ctx.app.request(path, jsonRequest("POST", { token }, { "X-Forwarded-For": freshIp() }));

describe("changing one's email (ASVS 5.0 7.5.x)", () => {
  it("is confirmed from the new address; the old one gets a notice, then word of the change", async () => {
    const user = await createUser(flow.ctx, { name: "Ed Change" });
    const session = await login(flow.ctx, user);
    const other = await login(flow.ctx, user);
    const newEmail = uniqueEmail("new");

    const wrongPassword = await requestChange(session, { newEmail, currentPassword: "not my password" });
    expect(wrongPassword.status).toBe(403);
    expect((await requestChange(session, { newEmail, currentPassword: user.password })).status).toBe(202);

    const confirmMail = await flow.mail.waitFor(newEmail, { subject: /Confirm your new email/ });
    const notice = await flow.mail.waitFor(user.email, { subject: /about to change/ });
    expect(notice.text).toContain(newEmail);
    expect(notice.text).toContain("cancel-email-change?token=");
    // Nothing changed yet.
    expect(await (await flow.ctx.app.request("/v1/me", { headers: session.headers })).json()).toMatchObject({
      email: user.email,
    });

    const confirmed = await post("/v1/auth/email-change/confirm", tokenIn(confirmMail));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ email: newEmail });
    // Sessions survive by default.
    expect((await flow.ctx.app.request("/v1/me", { headers: other.headers })).status).toBe(200);
    await expect(login(flow.ctx, { email: newEmail, password: user.password })).resolves.toBeDefined();
    await flow.mail.waitFor(user.email, { subject: /was changed/ });
    expect((await post("/v1/auth/email-change/confirm", tokenIn(confirmMail))).status).toBe(400);
  });

  it("can be cancelled from the old address: the confirmation link then fails", async () => {
    const user = await createUser(flow.ctx);
    const session = await login(flow.ctx, user);
    const newEmail = uniqueEmail("hijack");
    await requestChange(session, { newEmail, currentPassword: user.password });
    const confirmMail = await flow.mail.waitFor(newEmail);
    const notice = await flow.mail.waitFor(user.email, { subject: /about to change/ });

    expect((await post("/v1/auth/email-change/cancel", tokenIn(notice))).status).toBe(204);
    expect((await post("/v1/auth/email-change/confirm", tokenIn(confirmMail))).status).toBe(400);
    expect(await (await flow.ctx.app.request("/v1/me", { headers: session.headers })).json()).toMatchObject({
      email: user.email,
    });
  });

  it("ends every session when asked to", async () => {
    const user = await createUser(flow.ctx);
    const session = await login(flow.ctx, user);
    const other = await login(flow.ctx, user);
    const newEmail = uniqueEmail("moving");
    await requestChange(session, { newEmail, currentPassword: user.password, signOutEverywhere: true });
    const confirmMail = await flow.mail.waitFor(newEmail);
    expect((await post("/v1/auth/email-change/confirm", tokenIn(confirmMail))).status).toBe(200);
    expect((await flow.ctx.app.request("/v1/me", { headers: other.headers })).status).toBe(401);
  });

  it("refuses an address another account has", async () => {
    const user = await createUser(flow.ctx);
    const taken = await createUser(flow.ctx);
    const session = await login(flow.ctx, user);
    const response = await requestChange(session, { newEmail: taken.email, currentPassword: user.password });
    expect(response.status).toBe(409);
  });
});
