import { describe, expect, it } from "vitest";
import { workerFetch } from "./support/requests.ts";

const callerIp = `10.${1 + Math.floor(Math.random() * 254)}.${1 + Math.floor(Math.random() * 254)}.7`;

const register = (password: string) =>
  workerFetch("/v1/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": callerIp },
    body: JSON.stringify({ email: `policy-${crypto.randomUUID()}@example.com`, password, name: "Policy" }),
  });

describe("the password policy inside workerd", () => {
  it.each(["password123", "Qwerty123", "aaaaaaaa"])("refuses %s as on Node", async (password) => {
    const response = await register(password);

    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors.map((error) => error.path)).toEqual(["body.password"]);
  });

  it("accepts an uncommon password (no breach check in tests)", async () => {
    expect((await register(`uncommon ${crypto.randomUUID()}`)).status).toBe(201);
  });
});
