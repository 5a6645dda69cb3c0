import { afterAll, beforeAll, expect, it } from "vitest";
import { fanOutQuietly } from "../../src/features/webhooks/fanout.ts";
import { reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { createEndpoint, deliveriesOf, recordTicketUpdates } from "./support.ts";

let ctx: TestContext;
let watermarkReads = 0;
beforeAll(async () => {
  ctx = await createTestContext({
    env: { TRUST_PROXY: "true" },
    onQuery: (query) => {
      if (/from "webhook_fanout".*for update/is.test(query)) watermarkReads++;
    },
  });
});
afterAll(() => ctx.close());

it("runs one fan-out at a time for many writers, and still makes every delivery", async () => {
  const world = await ticketWorld(ctx);
  const endpoint = await createEndpoint(ctx, world.admin.session, { url: "https://hooks.example.com/burst" });
  const ticket = await reportTicket(ctx, world.admin.session);
  await fanOutQuietly(ctx.deps);
  const before = (await deliveriesOf(ctx, endpoint.id)).length;

  // Twenty committed events, then twenty after-commit passes at once, as twenty writers make them.
  await recordTicketUpdates(ctx, ticket.id, world.admin.user.id, 20);
  watermarkReads = 0;
  await Promise.all(Array.from({ length: 20 }, () => fanOutQuietly(ctx.deps)));

  expect((await deliveriesOf(ctx, endpoint.id)).length - before).toBe(20);
  // A pass reads the watermark once per batch and once to find nothing left; the nineteen calls
  // made during it ask for one more pass between them. Separately they read it at least 20 times.
  expect(watermarkReads).toBeLessThanOrEqual(4);
});
