CREATE SCHEMA "catalog";
--> statement-breakpoint
CREATE TABLE "catalog"."products" (
	"id" uuid PRIMARY KEY NOT NULL,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"price_amount_minor" bigint NOT NULL,
	"price_currency" char(3) NOT NULL,
	"stock" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_stock_non_negative" CHECK ("catalog"."products"."stock" >= 0),
	CONSTRAINT "products_price_non_negative" CHECK ("catalog"."products"."price_amount_minor" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "products_sku_unique" ON "catalog"."products" USING btree (lower("sku"));