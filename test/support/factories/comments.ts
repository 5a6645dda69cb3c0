import { and, asc, eq } from "drizzle-orm";
import { auditLog } from "../../../src/db/schema.ts";
import type { Comment } from "../../../src/features/comments/schemas.ts";
import { jsonRequest, type Session } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

export function postComment(
  ctx: TestContext,
  session: Session,
  ticketId: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return ctx.app.request(
    `/v1/tickets/${ticketId}/comments`,
    jsonRequest("POST", body, { ...session.headers, ...headers }),
  );
}

/** Posts a comment and returns it (fails the test on anything but 201). */
export async function addComment(
  ctx: TestContext,
  session: Session,
  ticketId: string,
  body: { body?: string; visibility?: "public" | "internal" } = {},
): Promise<Comment> {
  const response = await postComment(ctx, session, ticketId, { body: "A comment", ...body });
  if (response.status !== 201) throw new Error(`comment failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Comment;
}

export function listComments(ctx: TestContext, session: Session, ticketId: string, query = "") {
  return ctx.app.request(`/v1/tickets/${ticketId}/comments${query}`, { headers: session.headers });
}

export function patchComment(
  ctx: TestContext,
  session: Session,
  ref: { ticketId: string; commentId: string },
  body: unknown,
  headers: Record<string, string> = {},
) {
  return ctx.app.request(
    `/v1/tickets/${ref.ticketId}/comments/${ref.commentId}`,
    jsonRequest("PATCH", body, { ...session.headers, ...headers }),
  );
}

export function deleteComment(
  ctx: TestContext,
  session: Session,
  ref: { ticketId: string; commentId: string },
  headers: Record<string, string> = {},
) {
  return ctx.app.request(`/v1/tickets/${ref.ticketId}/comments/${ref.commentId}`, {
    method: "DELETE",
    headers: { ...session.headers, ...headers },
  });
}

/** The audit rows of one entity, oldest first. */
export function auditRowsOf(ctx: TestContext, entityType: string, entityId: string) {
  return ctx.deps.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entityType, entityType), eq(auditLog.entityId, entityId)))
    .orderBy(asc(auditLog.id));
}
