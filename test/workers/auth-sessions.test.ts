import { describe, expect, it } from "vitest";
import { freshIp, jsonRequest, type Session } from "../support/factories.ts";
import { createUser, fetchMe, login, refreshWithBody, sessionIdOf } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

interface ListedSession {
  id: string;
  current: boolean;
  ip: string;
  userAgent: string;
}

async function listSessions(session: Session): Promise<ListedSession[]> {
  const response = await workerFetch("/v1/auth/sessions", { headers: session.headers });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: ListedSession[]; nextCursor: null };
  expect(body.nextCursor).toBeNull();
  return body.data;
}

const revokeSession = (session: Session, sessionId: string) =>
  workerFetch(`/v1/auth/sessions/${sessionId}`, { method: "DELETE", headers: session.headers });

describe("sessions inside workerd", () => {
  it("lists my sessions with the current one marked and the CF-Connecting-IP they came from", async () => {
    const user = await createUser();
    const laptopIp = freshIp();
    const phoneIp = freshIp();
    const laptop = await login(user, laptopIp, "laptop browser");
    const phone = await login(user, phoneIp, "phone app");

    const sessions = await listSessions(laptop);

    expect(sessions).toHaveLength(2);
    const current = sessions.find((session) => session.current);
    const other = sessions.find((session) => !session.current);
    expect(current).toMatchObject({ id: sessionIdOf(laptop), ip: laptopIp, userAgent: "laptop browser" });
    expect(other).toMatchObject({ id: sessionIdOf(phone), ip: phoneIp, userAgent: "phone app" });
  });

  it("revokes another of my sessions, which dies at once while this one lives", async () => {
    const user = await createUser();
    const laptop = await login(user);
    const phone = await login(user);

    const revoked = await revokeSession(laptop, sessionIdOf(phone));

    expect(revoked.status).toBe(204);
    expect((await fetchMe(phone.accessToken)).status).toBe(401);
    expect((await refreshWithBody(phone.refreshToken)).status).toBe(401);
    expect((await fetchMe(laptop.accessToken)).status).toBe(200);
    expect((await listSessions(laptop)).map((session) => session.id)).toEqual([sessionIdOf(laptop)]);
  });

  it("answers 404 for another user's session, which stays alive", async () => {
    const alice = await login(await createUser());
    const bob = await login(await createUser());

    const attempt = await revokeSession(alice, sessionIdOf(bob));

    expect(attempt.status).toBe(404);
    expect(attempt.headers.get("Content-Type")).toBe("application/problem+json");
    expect((await fetchMe(bob.accessToken)).status).toBe(200);
  });

  it("logout-all ends every session of the user and no one else's", async () => {
    const user = await createUser();
    const one = await login(user);
    const two = await login(user);
    const bystander = await login(await createUser());

    const response = await workerFetch("/v1/auth/logout-all", { method: "POST", headers: one.headers });

    expect(response.status).toBe(204);
    expect(response.headers.get("Set-Cookie")).toMatch(/tix_refresh=;.*Max-Age=0/);
    expect((await fetchMe(one.accessToken)).status).toBe(401);
    expect((await fetchMe(two.accessToken)).status).toBe(401);
    expect((await refreshWithBody(two.refreshToken)).status).toBe(401);
    expect((await fetchMe(bystander.accessToken)).status).toBe(200);
  });
});

describe("password change inside workerd", () => {
  const firstPassword = "first password is long enough";
  const secondPassword = "second password is long enough";
  const changePassword = (session: Session, currentPassword: string) =>
    workerFetch(
      "/v1/auth/password",
      jsonRequest("POST", { currentPassword, newPassword: secondPassword }, session.headers),
    );

  it("changes the password and ends the other sessions but not this one", async () => {
    const user = await createUser({ password: firstPassword });
    const here = await login(user);
    const elsewhere = await login(user);

    const wrong = await changePassword(here, "not the current password");
    expect(wrong.status).toBe(403);
    expect((await fetchMe(elsewhere.accessToken)).status).toBe(200);

    const changed = await changePassword(here, firstPassword);

    expect(changed.status).toBe(204);
    expect((await fetchMe(here.accessToken)).status).toBe(200);
    expect((await fetchMe(elsewhere.accessToken)).status).toBe(401);
    expect((await refreshWithBody(elsewhere.refreshToken)).status).toBe(401);
    await expect(login(user)).rejects.toThrow(/401/);
    // The new hash was made by the WASM hasher inside workerd; it must verify there too.
    await expect(login({ email: user.email, password: secondPassword })).resolves.toBeDefined();
  });

  it("refuses a common or too short new password with a field error", async () => {
    const user = await createUser({ password: firstPassword });
    const session = await login(user);

    for (const newPassword of ["password1", "LetMeIn1", "short"]) {
      const response = await workerFetch(
        "/v1/auth/password",
        jsonRequest("POST", { currentPassword: firstPassword, newPassword }, session.headers),
      );
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(new Set(problem.errors.map((error) => error.path))).toEqual(new Set(["body.newPassword"]));
    }
    await expect(login(user)).resolves.toBeDefined();
  });
});
