import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PASSWORD, freshIp, jsonRequest, type Session, uniqueEmail } from "../support/factories.ts";
import { createUser, fetchMe, login, refreshWithBody, signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

const patchUser = (id: string, body: unknown) =>
  workerFetch(`/v1/users/${id}`, jsonRequest("PATCH", body, admin.headers));
const listUsers = (session: Session) => workerFetch("/v1/users", { headers: session.headers });

describe("users admin inside workerd", () => {
  it("creates a user with a role who can then sign in", async () => {
    const email = uniqueEmail("workers-dev");

    const response = await workerFetch(
      "/v1/users",
      jsonRequest(
        "POST",
        { email, name: "Dev One", role: "developer", password: DEFAULT_PASSWORD },
        admin.headers,
      ),
    );

    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; role: string };
    expect(created.role).toBe("developer");
    expect(response.headers.get("Location")).toBe(`/v1/users/${created.id}`);
    const session = await login({ email, password: DEFAULT_PASSWORD });
    expect(await (await fetchMe(session.accessToken)).json()).toMatchObject({
      id: created.id,
      role: "developer",
    });
  });

  it("applies a role change on the user's very next request (ASVS 8.3.2)", async () => {
    const target = await createUser({ role: "reporter" });
    const session = await login(target);
    expect((await listUsers(session)).status).toBe(403);

    expect((await patchUser(target.id, { role: "manager" })).status).toBe(200);
    expect((await listUsers(session)).status).toBe(200);

    expect((await patchUser(target.id, { role: "developer" })).status).toBe(200);
    const demoted = await listUsers(session);
    expect(demoted.status).toBe(403);
    expect(((await demoted.json()) as { code: string }).code).toBe("role_forbidden");
  });

  it("ends every session of a disabled user at once (ASVS 7.4.2)", async () => {
    const target = await createUser();
    const one = await login(target);
    const two = await login(target);

    expect((await patchUser(target.id, { status: "disabled" })).status).toBe(200);

    for (const session of [one, two]) {
      expect((await fetchMe(session.accessToken)).status).toBe(401);
      expect((await refreshWithBody(session.refreshToken)).status).toBe(401);
    }
    await expect(login(target)).rejects.toThrow(/401/);
  });

  it("refuses to sign in a user who is disabled, with the same answer as a wrong password", async () => {
    const disabled = await createUser({ status: "disabled" });
    const attempt = (password: string) =>
      workerFetch(
        "/v1/auth/login",
        jsonRequest("POST", { email: disabled.email, password }, { "CF-Connecting-IP": freshIp() }),
      );

    const withRightPassword = await attempt(disabled.password);
    const withWrongPassword = await attempt("not the password at all");

    expect(withRightPassword.status).toBe(401);
    expect(withWrongPassword.status).toBe(401);
    const codes = [withRightPassword, withWrongPassword].map(
      async (response) => ((await response.json()) as { code: string }).code,
    );
    expect(await Promise.all(codes)).toEqual(["invalid_credentials", "invalid_credentials"]);
  });
});
