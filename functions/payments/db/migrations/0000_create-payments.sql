CREATE SCHEMA "payments";
--> statement-breakpoint
CREATE TABLE "payments"."inbox" (
	"event_id" text NOT NULL,
	"consumer" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "payments"."ledger" (
	"id" uuid PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_kind_known" CHECK ("payments"."ledger"."kind" in ('capture', 'refund')),
	CONSTRAINT "ledger_amount_positive" CHECK ("payments"."ledger"."amount_minor" > 0)
);
--> statement-breakpoint
CREATE TABLE "payments"."outbox" (
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
CREATE TABLE "payments"."payments" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"customer_id" text,
	"amount_minor" bigint,
	"currency" char(3),
	"payment_token" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"decline_reason" text,
	"reservation_expires_at" timestamp with time zone,
	"outcome" text DEFAULT 'none' NOT NULL,
	"authorization_id" text,
	"captured_minor" bigint DEFAULT 0 NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_status_known" CHECK ("payments"."payments"."status" in ('pending', 'authorized', 'declined', 'captured', 'voided', 'refunded', 'cancelled')),
	CONSTRAINT "payments_outcome_known" CHECK ("payments"."payments"."outcome" in ('none', 'confirmed', 'rejected', 'cancelled', 'refund_requested')),
	CONSTRAINT "payments_decline_reason" CHECK (("payments"."payments"."status" = 'declined') = ("payments"."payments"."decline_reason" is not null) and ("payments"."payments"."decline_reason" is null or "payments"."payments"."decline_reason" in ('declined', 'insufficient_funds'))),
	CONSTRAINT "payments_amount_known_together" CHECK (("payments"."payments"."customer_id" is null) = ("payments"."payments"."amount_minor" is null) and ("payments"."payments"."amount_minor" is null) = ("payments"."payments"."currency" is null)),
	CONSTRAINT "payments_amount_non_negative" CHECK ("payments"."payments"."amount_minor" >= 0),
	CONSTRAINT "payments_captured_non_negative" CHECK ("payments"."payments"."captured_minor" >= 0),
	CONSTRAINT "payments_refunded_non_negative" CHECK ("payments"."payments"."refunded_minor" >= 0),
	CONSTRAINT "payments_refunds_within_captures" CHECK ("payments"."payments"."refunded_minor" <= "payments"."payments"."captured_minor")
);
--> statement-breakpoint
CREATE TABLE "payments"."provider_records" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"operation" text NOT NULL,
	"authorization_id" text,
	"token" text,
	"amount_minor" bigint,
	"currency" char(3),
	"result" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_records_operation_known" CHECK ("payments"."provider_records"."operation" in ('authorize', 'capture', 'void', 'refund'))
);
--> statement-breakpoint
ALTER TABLE "payments"."ledger" ADD CONSTRAINT "ledger_order_id_payments_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "payments"."payments"("order_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payments_inbox_handled_at" ON "payments"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_one_per_kind" ON "payments"."ledger" USING btree ("order_id","kind");--> statement-breakpoint
CREATE INDEX "payments_outbox_pending" ON "payments"."outbox" USING btree ("next_attempt_at") WHERE "payments"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "provider_records_created_at" ON "payments"."provider_records" USING btree ("created_at");