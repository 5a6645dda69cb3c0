import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, events, ticketComments, tickets } from "../../../src/db/schema.ts";
import { insertTicket, ticketWorld } from "../../support/factories/tickets.ts";
import { racesAreReal } from "../../support/races.ts";
import { burst, expectProblem, type Reply, readReply, sendJson, useLoadedApp } from "./support.ts";

const loaded = useLoadedApp();
const DUPLICATES = 25;
/** Keys outlive a run in the real Redis: every test takes fresh ones. */
const freshKey = () => `concurrency-${randomBytes(12).toString("hex")}`;

/**
 * N identical POSTs with one Idempotency-Key at once (src/middleware/idempotency.ts): the first
 * to claim the key in Redis (SET NX) runs; the others find it in flight (409) or, once stored,
 * replay its 201 byte for byte. Checked in SQL: one row, one audit row, one outbox event.
 *
 * Fails if the claim stops being atomic (`nx: true` dropped from the SET): every duplicate then
 * runs and creates its own row (checked once: 25 tickets for one key).
 */
describe.runIf(racesAreReal()).each([
  { resource: "ticket", path: () => "/v1/tickets", idsWith: ticketIdsTitled },
  {
    resource: "comment",
    path: (ticketId: string) => `/v1/tickets/${ticketId}/comments`,
    idsWith: commentIdsWithBody,
  },
])("$resource: concurrent duplicates of one Idempotency-Key", ({ resource, path, idsWith }) => {
  async function setUp() {
    const { ctx } = loaded;
    const world = await ticketWorld(ctx);
    const ticket = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: world.teamA.id });
    const send = (key: string, body: unknown) => () =>
      sendJson(loaded.server, "POST", path(ticket.id), world.managerA.session, body, {
        "Idempotency-Key": key,
      });
    return { send, bodyFor: (text: string) => bodyOf(resource, text) };
  }

  it("has exactly one effect; every reply is that 201 (first or replayed) or 409 in flight", async () => {
    const { send, bodyFor } = await setUp();
    const key = freshKey();
    const text = `Once ${key}`;
    const replies = await burst(
      loaded.server,
      Array.from({ length: DUPLICATES }, () => send(key, bodyFor(text))),
    );

    const originals = replies.filter((reply) => reply.status === 201 && !isReplay(reply));
    expect(originals).toHaveLength(1);
    const original = originals[0] as Reply;
    for (const reply of replies.filter((reply) => reply !== original)) {
      if (reply.status === 201) expectSameAnswer(reply, original);
      else expectProblem(reply, 409, "idempotency_in_flight");
    }
    const id = original.body.id as string;
    expect(await idsWith(text)).toEqual([id]);
    expect(await auditActionsOf(resource, id)).toEqual([`${resource}.created`]);
    expect(await eventTypesFor(resource, id)).toEqual([`${resource}.created`]);

    // Once the first has finished, retries (again all at once) replay it; another body is a 422.
    const retries = await burst(
      loaded.server,
      Array.from({ length: DUPLICATES }, () => send(key, bodyFor(text))),
    );
    for (const retry of retries) expectSameAnswer(retry, original);
    const otherText = `Other ${key}`;
    expectProblem(await readReply(await send(key, bodyFor(otherText))()), 422, "idempotency_key_reused");
    expect(await idsWith(text)).toEqual([id]);
    expect(await idsWith(otherText)).toEqual([]);
  });

  it("with two different bodies racing for one key: one effect; the other body gets 422 or 409", async () => {
    const { send, bodyFor } = await setUp();
    const key = freshKey();
    const texts = [`First ${key}`, `Second ${key}`];
    const replies = await burst(
      loaded.server,
      Array.from({ length: DUPLICATES }, (_, index) => send(key, bodyFor(texts[index % 2] as string))),
    );

    const original = replies.find((reply) => reply.status === 201 && !isReplay(reply)) as Reply;
    const winningText = resource === "ticket" ? original.body.title : original.body.body;
    const winnerIndex = texts.indexOf(winningText);
    expect(winnerIndex).toBeGreaterThanOrEqual(0);
    for (const [index, reply] of replies.entries()) {
      if (reply === original) continue;
      if (index % 2 !== winnerIndex) expectProblem(reply, 422, "idempotency_key_reused");
      else if (reply.status === 201) expectSameAnswer(reply, original);
      else expectProblem(reply, 409, "idempotency_in_flight");
    }
    expect([...(await idsWith(texts[0] as string)), ...(await idsWith(texts[1] as string))]).toEqual([
      original.body.id,
    ]);
  });
});

function bodyOf(resource: string, text: string) {
  return resource === "ticket" ? { title: text, priority: "high" } : { body: text, visibility: "public" };
}

const isReplay = (reply: Reply) => reply.headers.get("Idempotent-Replayed") === "true";

function expectSameAnswer(reply: Reply, original: Reply) {
  expect(reply.status).toBe(201);
  expect(isReplay(reply)).toBe(true);
  expect(reply.text).toBe(original.text);
  for (const header of ["Content-Type", "Location", "ETag"]) {
    expect(reply.headers.get(header), header).toBe(original.headers.get(header));
  }
}

async function ticketIdsTitled(title: string) {
  const rows = await loaded.ctx.deps.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(eq(tickets.title, title));
  return rows.map((row) => row.id);
}

async function commentIdsWithBody(body: string) {
  const rows = await loaded.ctx.deps.db
    .select({ id: ticketComments.id })
    .from(ticketComments)
    .where(eq(ticketComments.body, body));
  return rows.map((row) => row.id);
}

async function auditActionsOf(entityType: string, id: string) {
  const rows = await loaded.ctx.deps.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, entityType), eq(auditLog.entityId, id)));
  return rows.map((row) => row.action);
}

/** The outbox rows announcing the creation of this ticket or comment (the payload is the resource). */
async function eventTypesFor(resource: string, id: string) {
  const rows = await loaded.ctx.deps.db
    .select({ type: events.type })
    .from(events)
    .where(sql`${events.type} = ${`${resource}.created`} and ${events.payload}->>'id' = ${id}`);
  return rows.map((row) => row.type);
}
