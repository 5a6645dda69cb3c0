import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationPreferences, ticketWatchers } from "../../src/db/schema.ts";
import { addComment } from "../support/factories/comments.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createUser } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

/** A team-A ticket watched by its reporter and `extra` admins (who see every ticket). */
async function watchedTicket(extra: number, channel: "in_app" | "email" = "in_app") {
  const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
  const admins = await Promise.all(Array.from({ length: extra }, () => createUser(ctx, { role: "admin" })));
  if (admins.length > 0)
    await ctx.deps.db
      .insert(ticketWatchers)
      .values(admins.map((admin) => ({ ticketId: ticket.id, userId: admin.id })));
  if (channel === "email" && admins.length > 0)
    await ctx.deps.db
      .insert(notificationPreferences)
      .values(admins.map((admin) => ({ userId: admin.id, kind: "commented" as const, channel })));
  return ticket;
}

/** The statements one request sends (the publish after commit included: it runs before the response here). */
async function statementsOf(request: () => unknown): Promise<string[]> {
  await settled(); // the previous request's publish-after-commit, off its response path
  const before = ctx.queries.length;
  await request();
  await settled();
  return ctx.queries.slice(before);
}

/** Waits until no statement was sent for a while. */
async function settled() {
  for (let seen = -1; seen !== ctx.queries.length; ) {
    seen = ctx.queries.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const notificationWork = (queries: string[]) =>
  queries.filter((query) => /"notifications"|"ticket_watchers"|"notification_preferences"/.test(query));

describe("the write path of notifications", () => {
  it("costs a comment the same statements with 50 watchers as with one", async () => {
    const [lone, crowded] = [await watchedTicket(0), await watchedTicket(50)];
    await addComment(ctx, world.managerA.session, lone.id); // warms prepared statements and the manager's watch
    await addComment(ctx, world.managerA.session, crowded.id);

    const one = await statementsOf(() => addComment(ctx, world.managerA.session, lone.id));
    const fifty = await statementsOf(() => addComment(ctx, world.managerA.session, crowded.id));

    expect(fifty.length).toBe(one.length);
    expect(notificationWork(fifty).length).toBe(notificationWork(one).length);
    const timed = async (ticketId: string) => {
      const started = performance.now();
      for (let index = 0; index < 10; index++) await addComment(ctx, world.managerA.session, ticketId);
      return (performance.now() - started) / 10;
    };
    console.log(
      `comment: ${one.length} statements (${notificationWork(one).length} for notifications) with 1 or 51 watchers; ` +
        `mean ${(await timed(lone.id)).toFixed(1)} ms (1 watcher) vs ${(await timed(crowded.id)).toFixed(1)} ms (51 watchers)`,
    );
  });

  it("adds nothing to a PATCH that notifies nobody, and a fixed few statements to one that does", async () => {
    const ticket = await watchedTicket(50);
    const silent = await statementsOf(async () =>
      patchTicket(ctx, world.managerA.session, ticket.id, { title: "Quiet" }),
    );
    expect(notificationWork(silent)).toEqual([]);
    const loud = await statementsOf(async () =>
      patchTicket(ctx, world.managerA.session, ticket.id, { priority: "urgent" }),
    );
    expect(notificationWork(loud).length).toBeLessThanOrEqual(4);
    console.log(
      `PATCH: ${silent.length} statements for a title, ${loud.length} for a priority change notifying 51 watchers`,
    );
  });

  it("adds nothing for in_app recipients, and one SELECT and one jobs insert for 50 email recipients", async () => {
    const warm = await watchedTicket(1);
    await addComment(ctx, world.managerA.session, warm.id); // prepared statements, the manager's watch
    const [inApp, email] = [await watchedTicket(50), await watchedTicket(50, "email")];
    // Each ticket's first comment: new notifications (a fold would mail nobody).
    const quiet = await statementsOf(() => addComment(ctx, world.managerA.session, inApp.id));
    const mailed = await statementsOf(() => addComment(ctx, world.managerA.session, email.id));

    // The webhook fan-out after every commit inserts its delivery jobs in its own statement (none
    // here: no endpoint); it is not the notifications' work.
    const mailWork = (queries: string[]) =>
      queries.filter((query) => /"jobs"|"actors"/.test(query) && !query.includes('"webhook_fanout"'));
    expect(mailWork(quiet)).toEqual([]);
    expect(mailWork(mailed)).toHaveLength(2);
    expect(mailed.length - quiet.length).toBe(2);
    console.log(
      `comment notifying 50 watchers: ${quiet.length} statements with in_app, ${mailed.length} with email (50 mails queued)`,
    );
  });
});
