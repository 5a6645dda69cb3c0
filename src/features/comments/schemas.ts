import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NOT_BLANK } from "../../lib/openapi.ts";
import { MentionList, UnreachableMentions } from "../notifications/schemas.ts";

export const COMMENT_VISIBILITIES = ["public", "internal"] as const;
export type CommentVisibility = (typeof COMMENT_VISIBILITIES)[number];

const CommentBody = z
  .string()
  .trim()
  .min(1)
  .max(10_000)
  .openapi({ example: "Reproduced on staging.", pattern: NOT_BLANK });

export const Comment = z
  .object({
    id: z.uuid(),
    ticketId: z.uuid(),
    author: z.object({ id: z.uuid(), name: z.string() }),
    body: z.string().openapi({ description: "Mentions are written `<@user-id>`; `mentions` names them" }),
    mentions: MentionList,
    unreachableMentions: UnreachableMentions.optional(),
    visibility: z.enum(COMMENT_VISIBILITIES),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi("Comment");
export type Comment = z.infer<typeof Comment>;

export const CommentList = listOf(Comment, "CommentList");

export const TicketCommentsRef = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "Ticket id" }),
});

export const CommentRef = TicketCommentsRef.extend({
  commentId: z.uuid().openapi({ param: { name: "commentId", in: "path" } }),
});

export const CommentListQuery = ListQuery;

export const CreateComment = z
  .object({
    body: CommentBody,
    visibility: z
      .enum(COMMENT_VISIBILITIES)
      .default("public")
      .openapi({ description: "`internal` is staff-only: never shown to reporters" }),
  })
  .strict()
  .openapi("CreateComment");

export const UpdateComment = z.object({ body: CommentBody }).strict().openapi("UpdateComment");
