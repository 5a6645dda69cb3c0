import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobs, tickets } from "../../src/db/schema.ts";
import { sendQueuedMail } from "../../src/features/mail/outbox.ts";
import { writeNotifications } from "../../src/features/notifications/notify.ts";
import type { Role } from "../../src/features/users/schemas.ts";
import { assign, createDeveloper } from "../support/factories/assignments.ts";
import { addComment } from "../support/factories/comments.ts";
import { aboutTicket, setPreferences, watchTicket } from "../support/factories/notifications.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { signedIn } from "../support/factories.ts";
import { type MailFlowContext, startMailFlow } from "../support/mail-flow.ts";

let flow: MailFlowContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  flow = await startMailFlow();
  world = await ticketWorld(flow.ctx);
});
afterAll(() => flow.close());

const teamTicket = (title?: string) =>
  reportTicket(flow.ctx, world.reporter.session, {
    categoryId: world.categoryA.id,
    ...(title ? { title } : {}),
  });

/** A fresh user with these preferences, watching the ticket. */
async function watcher(ticketId: string, preferences: Record<string, string>, role: Role = "admin") {
  const person = await signedIn(flow.ctx, role);
  expect((await setPreferences(flow.ctx, person.session, preferences)).status).toBe(200);
  expect((await watchTicket(flow.ctx, person.session, ticketId, "PUT")).status).toBe(200);
  return person;
}

/** The mail.send jobs queued for an address: written in the change's transaction, so exact once it answered. */
async function mailJobsTo(address: string): Promise<number> {
  const rows = await flow.ctx.deps.db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, "mail.send"), sql`${jobs.payload}->>'to' = ${address}`));
  return rows.length;
}

const ticketLink = (ticketId: string) => `${flow.ctx.config.APP_URL.replace(/\/$/, "")}/tickets/${ticketId}`;

describe("the email preference", () => {
  it("mails each new notification once, to the right person with the ticket's link, and a fold sends nothing more", async () => {
    const ticket = await teamTicket();
    const mailed = await watcher(ticket.id, { commented: "email" });
    await addComment(flow.ctx, world.managerA.session, ticket.id, { body: "first words" });

    const mail = await flow.mail.waitFor(mailed.user.email);
    expect(mail.subject).toContain(`TIX-`);
    expect(mail.subject).toContain(ticket.title);
    expect(mail.subject).toContain(world.managerA.user.name);
    expect(mail.text).toContain(ticketLink(ticket.id));
    expect(mail.html).toContain(ticketLink(ticket.id));
    expect(mail.text).not.toContain("first words");

    // Folds into the unread notification: the inbox shows count 2, and no second mail is queued.
    await addComment(flow.ctx, world.developerA.session, ticket.id, { body: "second words" });
    expect(await aboutTicket(flow.ctx, mailed.session, ticket.id)).toMatchObject([{ count: 2 }]);
    expect(await mailJobsTo(mailed.user.email)).toBe(1);

    // A new kind is a new notification: a status change mails again (its kind set to email too).
    await setPreferences(flow.ctx, mailed.session, { commented: "email", status_changed: "email" });
    const patched = await patchTicket(flow.ctx, world.managerA.session, ticket.id, { status: "in_progress" });
    expect(patched.status).toBe(200);
    const status = await flow.mail.waitFor(mailed.user.email, { subject: /status/ });
    expect(status.text).toContain("in_progress");
    expect(await mailJobsTo(mailed.user.email)).toBe(2);
    expect(await flow.mail.to(mailed.user.email)).toHaveLength(2);
  });

  it("sends nothing to in_app or off, while in_app still reaches the inbox", async () => {
    const ticket = await teamTicket();
    const inApp = await watcher(ticket.id, { commented: "in_app" });
    const off = await watcher(ticket.id, { commented: "off" });
    const mailed = await watcher(ticket.id, { commented: "email" });
    await addComment(flow.ctx, world.managerA.session, ticket.id);

    await flow.mail.waitFor(mailed.user.email);
    expect(await aboutTicket(flow.ctx, inApp.session, ticket.id)).toHaveLength(1);
    expect(await aboutTicket(flow.ctx, off.session, ticket.id)).toEqual([]);
    expect(await mailJobsTo(inApp.user.email)).toBe(0);
    expect(await mailJobsTo(off.user.email)).toBe(0);
    expect(await flow.mail.to(inApp.user.email)).toEqual([]);
    expect(await flow.mail.to(off.user.email)).toEqual([]);
  });

  it("sends nothing for a change that rolled back", async () => {
    const ticket = await teamTicket();
    const person = await watcher(ticket.id, { commented: "email" });
    const [row] = await flow.ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    if (!row) throw new Error("ticket missing");
    const change = {
      ticket: row,
      kind: "commented" as const,
      actorId: world.managerA.user.id,
      to: [person.user.id],
    };
    await expect(
      flow.ctx.deps.db.transaction(async (tx) => {
        const written = await writeNotifications(flow.ctx.deps, tx, [change]);
        expect(written.mailQueued).toBe(true);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    sendQueuedMail(flow.ctx.deps);
    expect(await mailJobsTo(person.user.email)).toBe(0);
    expect(await aboutTicket(flow.ctx, person.session, ticket.id)).toEqual([]);

    // The same change committed is mailed: the rollback, not the path, kept the first one home.
    await flow.ctx.deps.db.transaction((tx) => writeNotifications(flow.ctx.deps, tx, [change]));
    sendQueuedMail(flow.ctx.deps);
    await flow.mail.waitFor(person.user.email);
    expect(await flow.mail.to(person.user.email)).toHaveLength(1);
  });

  it("never mails a reporter about an internal comment, and no mail carries a comment's body", async () => {
    const reporter = await signedIn(flow.ctx, "reporter");
    expect((await setPreferences(flow.ctx, reporter.session, { commented: "email" })).status).toBe(200);
    const ticket = await reportTicket(flow.ctx, reporter.session, { categoryId: world.categoryA.id });
    const staff = await watcher(ticket.id, { commented: "email" });

    await addComment(flow.ctx, world.developerA.session, ticket.id, {
      body: "internal secret 42",
      visibility: "internal",
    });
    const toStaff = await flow.mail.waitFor(staff.user.email);
    expect(toStaff.subject).toContain("internal comment");
    expect(`${toStaff.subject}${toStaff.text}${toStaff.html}`).not.toContain("internal secret 42");
    expect(await mailJobsTo(reporter.user.email)).toBe(0);

    await addComment(flow.ctx, world.managerA.session, ticket.id, { body: "public words 43" });
    const toReporter = await flow.mail.waitFor(reporter.user.email);
    const seen = `${toReporter.subject}${toReporter.text}${toReporter.html}`;
    expect(seen).not.toContain("public words 43");
    expect(seen).not.toContain("internal");
    expect(await flow.mail.to(reporter.user.email)).toHaveLength(1);
  });

  it("escapes the ticket title in the HTML part", async () => {
    const ticket = await teamTicket(`<script>alert("x")</script> & co`);
    const person = await watcher(ticket.id, { commented: "email" });
    await addComment(flow.ctx, world.managerA.session, ticket.id);

    const mail = await flow.mail.waitFor(person.user.email);
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co");
    expect(mail.text).toContain(`<script>alert("x")</script> & co`);
  });

  it("mails an assignment to the new assignee, and tells nobody by mail who kept in_app", async () => {
    const ticket = await teamTicket();
    const developer = await createDeveloper(flow.ctx, { teamId: world.teamA.id });
    expect((await setPreferences(flow.ctx, developer.session, { assigned: "email" })).status).toBe(200);
    const assigned = await assign(flow.ctx, world.managerA.session, ticket.id, {
      assigneeId: developer.user.id,
    });
    expect(assigned.status).toBe(200);

    const mail = await flow.mail.waitFor(developer.user.email);
    expect(mail.subject).toContain("assigned it to you");
    expect(mail.text).toContain(ticketLink(ticket.id));
    // Its status change (a kind left in_app) reaches the inbox only.
    await patchTicket(flow.ctx, world.managerA.session, ticket.id, { status: "in_progress" });
    expect(await aboutTicket(flow.ctx, developer.session, ticket.id)).toHaveLength(2);
    expect(await mailJobsTo(developer.user.email)).toBe(1);
  });
});
