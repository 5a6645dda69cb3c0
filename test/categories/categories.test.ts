import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categories, developerSkills, tickets } from "../../src/db/schema.ts";
import { createCategoryAs, insertCategory, type TestCategory } from "../support/factories/categories.ts";
import { insertProfile } from "../support/factories/developers.ts";
import { auditRowsOf, insertTeam, insertTicket, uniqueName } from "../support/factories/teams.ts";
import { createUser, jsonRequest, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
let manager: Session;
let managerId: string;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
  const lead = await signedIn(ctx, "manager");
  manager = lead.session;
  managerId = lead.user.id;
});
afterAll(() => ctx.close());

const get = (session: Session, path: string) => ctx.app.request(path, { headers: session.headers });
const post = (session: Session, body: unknown) =>
  ctx.app.request("/v1/categories", jsonRequest("POST", body, session.headers));
const patch = (session: Session, id: string, body: unknown, headers: Record<string, string> = {}) =>
  ctx.app.request(`/v1/categories/${id}`, jsonRequest("PATCH", body, { ...session.headers, ...headers }));
const remove = (session: Session, id: string, headers: Record<string, string> = {}) =>
  ctx.app.request(`/v1/categories/${id}`, { method: "DELETE", headers: { ...session.headers, ...headers } });
const codeOf = async (response: Response) => ((await response.json()) as { code: string }).code;

describe("categories", () => {
  it("lets managers and admins create one with a parent and a default team, audited", async () => {
    const team = await insertTeam(ctx, [{ userId: managerId, role: "lead" }]);
    const parent = await createCategoryAs(ctx, admin);
    const name = uniqueName("Billing");
    const response = await post(manager, {
      name,
      description: "Invoices",
      parentId: parent.id,
      defaultTeamId: team.id,
    });
    expect(response.status).toBe(201);
    const category = (await response.json()) as TestCategory;
    expect(category).toMatchObject({ name, parentId: parent.id, defaultTeamId: team.id, version: 1 });
    expect(response.headers.get("Location")).toBe(`/v1/categories/${category.id}`);
    const [audit] = await auditRowsOf(ctx, "category", category.id);
    expect(audit).toMatchObject({
      action: "category.created",
      actorRole: "manager",
      after: { name, parentId: parent.id, defaultTeamId: team.id },
    });
  });

  it("refuses a missing parent or team (400 naming the field) and a taken name (409)", async () => {
    const missingParent = await post(admin, { name: uniqueName(), parentId: crypto.randomUUID() });
    expect(missingParent.status).toBe(400);
    expect(((await missingParent.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe(
      "body.parentId",
    );
    const missingTeam = await post(admin, { name: uniqueName(), defaultTeamId: crypto.randomUUID() });
    expect(((await missingTeam.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe(
      "body.defaultTeamId",
    );
    const existing = await createCategoryAs(ctx, admin);
    const taken = await post(admin, { name: existing.name.toUpperCase() });
    expect(taken.status).toBe(409);
    expect(await codeOf(taken)).toBe("category_name_taken");
    expect((await post(admin, { name: "" })).status).toBe(400);
    expect((await post(admin, { name: "x", parentId: "nope" })).status).toBe(400);
  });

  it("names the parent when it vanishes between the check and the insert (400 body.parentId)", async () => {
    const parent = await createCategoryAs(ctx, admin);
    const name = uniqueName();
    // A concurrent delete, made deterministic: the parent goes just before the child's row is written.
    await ctx.deps.db.execute(
      sql.raw(`create function vanish_parent() returns trigger language plpgsql as $$
        begin delete from categories where id = new.parent_id; return new; end $$;
        create trigger vanish_parent before insert on categories for each row
        when (new.name = '${name}') execute function vanish_parent();`),
    );
    const response = await post(admin, { name, parentId: parent.id });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      "body.parentId",
    ]);
  });

  it("lets everyone read; 404 for a missing one", async () => {
    const category = await createCategoryAs(ctx, admin);
    const reporter = (await signedIn(ctx, "reporter")).session;
    const response = await get(reporter, `/v1/categories/${category.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).toBe('"1"');
    expect((await get(reporter, `/v1/categories/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it("lists alphabetically with a cursor, filters by parent, counts", async () => {
    const isolated = await createTestContext({ env: { TRUST_PROXY: "true" } });
    try {
      const session = (await signedIn(isolated, "reporter")).session;
      const root = await insertCategory(isolated);
      const children = [];
      for (let index = 0; index < 5; index++) children.push(await insertCategory(isolated, root.id));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/v1/categories?parentId=${root.id}&limit=2&count=true${cursor ? `&cursor=${cursor}` : ""}`;
        const page = (await (await isolated.app.request(path, { headers: session.headers })).json()) as {
          data: { id: string; name: string }[];
          nextCursor: string | null;
          total: number;
        };
        expect(page.total).toBe(5);
        seen.push(...page.data.map((category) => category.name));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(
        children.map((child) => child.name).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
      );
      const top = (await (
        await isolated.app.request("/v1/categories?parentId=none", { headers: session.headers })
      ).json()) as { data: { id: string }[] };
      expect(top.data.map((category) => category.id)).toEqual([root.id]);
      const bad = await isolated.app.request("/v1/categories?cursor=WzFd", { headers: session.headers });
      expect(bad.status).toBe(400);
    } finally {
      await isolated.close();
    }
  });

  it("never serves a stale category or list after a write returns", async () => {
    const category = await createCategoryAs(ctx, admin);
    const listPath = `/v1/categories?parentId=none&limit=100`;
    await get(admin, `/v1/categories/${category.id}`);
    await get(admin, listPath);
    const name = uniqueName("Renamed");
    expect((await patch(manager, category.id, { name, description: null })).status).toBe(200);
    expect(((await (await get(admin, `/v1/categories/${category.id}`)).json()) as TestCategory).name).toBe(
      name,
    );
    const listed = (await (await get(admin, listPath)).json()) as { data: TestCategory[] };
    expect(listed.data.find((item) => item.id === category.id)?.name).toBe(name);

    const created = await createCategoryAs(ctx, admin);
    const after = (await (await get(admin, listPath)).json()) as { data: TestCategory[] };
    expect(after.data.some((item) => item.id === created.id)).toBe(true);

    expect((await remove(admin, created.id)).status).toBe(204);
    expect((await get(admin, `/v1/categories/${created.id}`)).status).toBe(404);
    const gone = (await (await get(admin, listPath)).json()) as { data: TestCategory[] };
    expect(gone.data.some((item) => item.id === created.id)).toBe(false);
  });
});

describe("changing categories", () => {
  it("patches with If-Match (412 with the current version when stale) and audits the change", async () => {
    const category = await createCategoryAs(ctx, admin, { description: "Old" });
    const stale = await patch(admin, category.id, { description: "New" }, { "If-Match": '"3"' });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { currentVersion: number }).currentVersion).toBe(1);
    const fresh = await patch(admin, category.id, { description: "New" }, { "If-Match": '"1"' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("ETag")).toBe('"2"');
    const audit = await auditRowsOf(ctx, "category", category.id);
    expect(audit.at(-1)).toMatchObject({
      action: "category.updated",
      before: { description: "Old", version: 1 },
      after: { description: "New", version: 2 },
    });
  });

  it("sets and clears parent and default team; 400 for an empty patch, 404 for a missing one", async () => {
    const team = await insertTeam(ctx);
    const parent = await createCategoryAs(ctx, admin);
    const category = await createCategoryAs(ctx, admin);
    const set = await patch(admin, category.id, { parentId: parent.id, defaultTeamId: team.id });
    expect(await set.json()).toMatchObject({ parentId: parent.id, defaultTeamId: team.id });
    const cleared = await patch(admin, category.id, { parentId: null, defaultTeamId: null });
    expect(await cleared.json()).toMatchObject({ parentId: null, defaultTeamId: null });
    expect((await patch(admin, category.id, {})).status).toBe(400);
    expect((await patch(admin, category.id, { defaultTeamId: crypto.randomUUID() })).status).toBe(400);
    expect((await patch(admin, crypto.randomUUID(), { name: "x" })).status).toBe(404);
  });

  it("refuses to make a category its own ancestor, naming the cycle (409)", async () => {
    const a = await createCategoryAs(ctx, admin);
    const b = await createCategoryAs(ctx, admin, { parentId: a.id });
    const c = await createCategoryAs(ctx, admin, { parentId: b.id });

    const self = await patch(admin, a.id, { parentId: a.id });
    expect(self.status).toBe(409);
    expect(((await self.json()) as { cycle: string[] }).cycle).toEqual([a.id, a.id]);

    const loop = await patch(admin, a.id, { parentId: c.id });
    expect(loop.status).toBe(409);
    const problem = (await loop.json()) as { code: string; cycle: string[]; detail: string };
    expect(problem.code).toBe("category_cycle");
    expect(problem.cycle).toEqual([a.id, c.id, b.id, a.id]);
    expect(problem.detail).toContain(b.name);
    const [unchanged] = await ctx.deps.db.select().from(categories).where(eq(categories.id, a.id));
    expect(unchanged?.parentId).toBeNull();
  });

  it("never lets two concurrent moves close a cycle", async () => {
    const a = await createCategoryAs(ctx, admin);
    const b = await createCategoryAs(ctx, admin);
    const results = await Promise.all([
      patch(admin, a.id, { parentId: b.id }),
      patch(admin, b.id, { parentId: a.id }),
    ]);
    expect(results.map((response) => response.status).sort()).toEqual([200, 409]);
  });

  it("forbids developers and reporters from writing (403)", async () => {
    const category = await createCategoryAs(ctx, admin);
    for (const role of ["developer", "reporter"] as const) {
      const session = (await signedIn(ctx, role)).session;
      expect((await post(session, { name: uniqueName() })).status).toBe(403);
      expect((await patch(session, category.id, { name: uniqueName() })).status).toBe(403);
      expect((await remove(session, category.id)).status).toBe(403);
    }
  });
});

describe("deleting categories", () => {
  it("refuses while sub-categories exist (409), then deletes: tickets lose it, skills in it go", async () => {
    const parent = await createCategoryAs(ctx, admin);
    const child = await createCategoryAs(ctx, admin, { parentId: parent.id });
    const refused = await remove(manager, parent.id);
    expect(refused.status).toBe(409);
    expect(await codeOf(refused)).toBe("category_has_children");

    const ticket = await insertTicket(ctx, { categoryId: child.id });
    const developer = await createUser(ctx, { role: "developer" });
    await insertProfile(ctx, developer.id, { skills: [{ categoryId: child.id, level: 4 }] });

    expect((await remove(manager, child.id, { "If-Match": '"2"' })).status).toBe(412);
    expect((await remove(manager, child.id, { "If-Match": '"1"' })).status).toBe(204);
    expect((await remove(manager, parent.id)).status).toBe(204);
    expect((await remove(manager, parent.id)).status).toBe(404);

    const [detached] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(detached?.categoryId).toBeNull();
    const skills = await ctx.deps.db
      .select()
      .from(developerSkills)
      .where(eq(developerSkills.userId, developer.id));
    expect(skills).toEqual([]);
    const audit = await auditRowsOf(ctx, "category", child.id);
    expect(audit.map((row) => row.action)).toEqual(["category.created", "category.deleted"]);
    expect(audit[1]?.before).toMatchObject({ name: child.name, parentId: parent.id });
  });
});
