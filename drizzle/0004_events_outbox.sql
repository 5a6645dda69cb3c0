CREATE TYPE "public"."event_type" AS ENUM('ticket.created', 'ticket.updated', 'ticket.status_changed', 'ticket.assigned', 'ticket.unassigned', 'ticket.deleted', 'ticket.restored', 'comment.created', 'comment.updated', 'comment.deleted');--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" "event_type" NOT NULL,
	"ticket_id" uuid NOT NULL,
	"team_id" uuid,
	"reporter_id" uuid NOT NULL,
	"assignee_id" uuid,
	"visibility" "comment_visibility" DEFAULT 'public' NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "events_unpublished_idx" ON "events" USING btree ("id") WHERE "events"."published_at" is null;--> statement-breakpoint
CREATE INDEX "events_ticket_idx" ON "events" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE INDEX "events_team_idx" ON "events" USING btree ("team_id","id");--> statement-breakpoint
CREATE INDEX "events_created_idx" ON "events" USING btree ("created_at");