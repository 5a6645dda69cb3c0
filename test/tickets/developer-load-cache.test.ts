import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assign } from "../support/factories/assignments.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { DEFAULT_PASSWORD, jsonRequest, uniqueEmail } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
});
afterAll(() => ctx.close());

/** The cached developer list, as the API serves it. */
async function openLoadOf(world: Awaited<ReturnType<typeof ticketWorld>>, developerId: string) {
  const response = await ctx.app.request(`/v1/developers?teamId=${world.teamA.id}`, {
    headers: world.managerA.session.headers,
  });
  expect(response.status).toBe(200);
  const { data } = (await response.json()) as { data: { userId: string; openLoad: number }[] };
  return data.find((developer) => developer.userId === developerId)?.openLoad;
}

describe("developer loads after ticket changes (write, then read through the cache)", () => {
  it("follow status changes, deletes and restores of assigned tickets at once", async () => {
    const world = await ticketWorld(ctx);
    const developerId = world.developerA.user.id;
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    expect((await assign(ctx, world.managerA.session, ticket.id, { assigneeId: developerId })).status).toBe(
      200,
    );
    expect(await openLoadOf(world, developerId)).toBe(1);

    const manager = world.managerA.session;
    for (const status of ["in_progress", "resolved"]) {
      expect((await patchTicket(ctx, manager, ticket.id, { status })).status).toBe(200);
    }
    expect(await openLoadOf(world, developerId)).toBe(0);

    expect((await patchTicket(ctx, manager, ticket.id, { status: "in_progress" })).status).toBe(200);
    expect(await openLoadOf(world, developerId)).toBe(1);

    const deleted = await ctx.app.request(`/v1/tickets/${ticket.id}`, {
      method: "DELETE",
      headers: manager.headers,
    });
    expect(deleted.status).toBe(204);
    expect(await openLoadOf(world, developerId)).toBe(0);

    const restored = await ctx.app.request(`/v1/tickets/${ticket.id}/restore`, {
      method: "POST",
      headers: manager.headers,
    });
    expect(restored.status).toBe(200);
    expect(await openLoadOf(world, developerId)).toBe(1);
  });
});

describe("the developer list after account changes", () => {
  it("shows a developer created, demoted or disabled by an admin at once", async () => {
    const world = await ticketWorld(ctx);
    const listed = async () => {
      const response = await ctx.app.request("/v1/developers?limit=100", {
        headers: world.admin.session.headers,
      });
      const { data } = (await response.json()) as { data: { userId: string }[] };
      return data.map((developer) => developer.userId);
    };
    const before = await listed();
    const created = await ctx.app.request(
      "/v1/users",
      jsonRequest(
        "POST",
        { email: uniqueEmail("dev"), name: "New Dev", role: "developer", password: DEFAULT_PASSWORD },
        world.admin.session.headers,
      ),
    );
    const { id } = (await created.json()) as { id: string };
    expect(before).not.toContain(id);
    expect(await listed()).toContain(id);

    const demoted = await ctx.app.request(
      `/v1/users/${id}`,
      jsonRequest("PATCH", { role: "reporter" }, world.admin.session.headers),
    );
    expect(demoted.status).toBe(200);
    expect(await listed()).not.toContain(id);

    const other = await ctx.app.request(
      "/v1/users",
      jsonRequest(
        "POST",
        { email: uniqueEmail("dev"), name: "Leaving Dev", role: "developer", password: DEFAULT_PASSWORD },
        world.admin.session.headers,
      ),
    );
    const leaving = ((await other.json()) as { id: string }).id;
    expect(await listed()).toContain(leaving);
    const disabled = await ctx.app.request(
      `/v1/users/${leaving}`,
      jsonRequest("PATCH", { status: "disabled" }, world.admin.session.headers),
    );
    expect(disabled.status).toBe(200);
    expect(await listed()).not.toContain(leaving);
  });
});
