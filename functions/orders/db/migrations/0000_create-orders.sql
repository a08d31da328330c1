CREATE SCHEMA "orders";
--> statement-breakpoint
CREATE TABLE "orders"."idempotency_keys" (
	"customer_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"order_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_customer_id_key_pk" PRIMARY KEY("customer_id","key")
);
--> statement-breakpoint
CREATE TABLE "orders"."inbox" (
	"event_id" text NOT NULL,
	"consumer" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "orders"."order_lines" (
	"order_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"product_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price_minor" bigint NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "order_lines_order_id_product_id_pk" PRIMARY KEY("order_id","product_id"),
	CONSTRAINT "order_lines_quantity_positive" CHECK ("orders"."order_lines"."quantity" > 0),
	CONSTRAINT "order_lines_unit_price_non_negative" CHECK ("orders"."order_lines"."unit_price_minor" >= 0)
);
--> statement-breakpoint
CREATE TABLE "orders"."orders" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"status" text NOT NULL,
	"rejection_reason" text,
	"total_minor" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"reservation_expires_at" timestamp with time zone,
	"refunded" boolean DEFAULT false NOT NULL,
	"restocked" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "orders_status_known" CHECK ("orders"."orders"."status" in ('PENDING', 'STOCK_RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'REFUND_PENDING', 'REFUNDED')),
	CONSTRAINT "orders_rejection_reason_known" CHECK ("orders"."orders"."rejection_reason" in ('OUT_OF_STOCK', 'PAYMENT_DECLINED', 'INSUFFICIENT_FUNDS', 'RESERVATION_EXPIRED')),
	CONSTRAINT "orders_rejection_reason_when_rejected" CHECK (("orders"."orders"."status" = 'REJECTED') = ("orders"."orders"."rejection_reason" is not null)),
	CONSTRAINT "orders_total_non_negative" CHECK ("orders"."orders"."total_minor" >= 0),
	CONSTRAINT "orders_revision_positive" CHECK ("orders"."orders"."revision" >= 1)
);
--> statement-breakpoint
CREATE TABLE "orders"."order_status_changes" (
	"order_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"status" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "order_status_changes_order_id_revision_pk" PRIMARY KEY("order_id","revision"),
	CONSTRAINT "order_status_changes_status_known" CHECK ("orders"."order_status_changes"."status" in ('PENDING', 'STOCK_RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'REFUND_PENDING', 'REFUNDED'))
);
--> statement-breakpoint
CREATE TABLE "orders"."order_summaries" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"status" text NOT NULL,
	"total_minor" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"line_count" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"revision" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."outbox" (
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
CREATE TABLE "orders"."short_lines" (
	"order_id" uuid NOT NULL,
	"product_id" text NOT NULL,
	"requested" integer NOT NULL,
	"available" integer NOT NULL,
	CONSTRAINT "short_lines_order_id_product_id_pk" PRIMARY KEY("order_id","product_id")
);
--> statement-breakpoint
ALTER TABLE "orders"."idempotency_keys" ADD CONSTRAINT "idempotency_keys_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."order_lines" ADD CONSTRAINT "order_lines_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."order_status_changes" ADD CONSTRAINT "order_status_changes_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."short_lines" ADD CONSTRAINT "short_lines_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at" ON "orders"."idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "orders_inbox_handled_at" ON "orders"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "order_summaries_customer" ON "orders"."order_summaries" USING btree ("customer_id","order_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "orders_outbox_pending" ON "orders"."outbox" USING btree ("next_attempt_at") WHERE "orders"."outbox"."published_at" is null;