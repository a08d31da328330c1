CREATE TABLE "catalog"."reservation_lines" (
	"order_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	CONSTRAINT "reservation_lines_order_id_product_id_pk" PRIMARY KEY("order_id","product_id"),
	CONSTRAINT "reservation_lines_quantity_positive" CHECK ("catalog"."reservation_lines"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE "catalog"."reservations" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"release_reason" text,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reservations_status_valid" CHECK ("catalog"."reservations"."status" in ('reserved', 'rejected', 'committed', 'released', 'returned')),
	CONSTRAINT "reservations_release_reason_valid" CHECK ("catalog"."reservations"."release_reason" is null or "catalog"."reservations"."release_reason" in ('order_rejected', 'order_cancelled', 'expired')),
	CONSTRAINT "reservations_reserved_expires" CHECK ("catalog"."reservations"."status" <> 'reserved' or "catalog"."reservations"."expires_at" is not null)
);
--> statement-breakpoint
ALTER TABLE "catalog"."reservation_lines" ADD CONSTRAINT "reservation_lines_order_id_reservations_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "catalog"."reservations"("order_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reservations_reserved_expires_at" ON "catalog"."reservations" USING btree ("expires_at") WHERE "catalog"."reservations"."status" = 'reserved';--> statement-breakpoint
CREATE INDEX "reservations_updated_at" ON "catalog"."reservations" USING btree ("updated_at");