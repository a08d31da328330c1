CREATE SCHEMA "bus";
--> statement-breakpoint
CREATE TABLE "bus"."messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"body" text NOT NULL,
	"receive_count" integer DEFAULT 0 NOT NULL,
	"visible_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"dead_at" timestamp with time zone,
	"dead_reason" text
);
--> statement-breakpoint
CREATE INDEX "messages_ready" ON "bus"."messages" USING btree ("queue","visible_at") WHERE "bus"."messages"."dead_at" is null;--> statement-breakpoint
CREATE INDEX "messages_dead" ON "bus"."messages" USING btree ("queue","dead_at") WHERE "bus"."messages"."dead_at" is not null;