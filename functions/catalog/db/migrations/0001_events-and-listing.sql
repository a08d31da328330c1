CREATE TABLE "catalog"."inbox" (
	"event_id" text NOT NULL,
	"consumer" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "catalog"."outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"envelope" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "catalog"."product_listings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"price_amount_minor" bigint NOT NULL,
	"price_currency" char(3) NOT NULL,
	"stock" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"revision" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "catalog"."products" ADD COLUMN "revision" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "catalog_inbox_handled_at" ON "catalog"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "catalog_outbox_pending" ON "catalog"."outbox" USING btree ("next_attempt_at") WHERE "catalog"."outbox"."published_at" is null;--> statement-breakpoint
-- Products created before the listing existed enter it here; from now on events keep it current.
INSERT INTO "catalog"."product_listings" ("id", "sku", "name", "description", "price_amount_minor", "price_currency", "stock", "created_at", "updated_at", "revision")
SELECT "id", "sku", "name", "description", "price_amount_minor", "price_currency", "stock", "created_at", "updated_at", "revision" FROM "catalog"."products";
