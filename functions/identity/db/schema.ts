// The identity service's own tables, all in the `identity` Postgres schema.
import { sql } from "drizzle-orm";
import { check, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const identity = pgSchema("identity");

export const users = identity.table(
  "users",
  {
    // UUIDv7, made by the service.
    id: uuid("id").primaryKey(),
    // As the user typed it; shown back to them.
    email: text("email").notNull(),
    // lower(email): what uniqueness and (later) login look up.
    emailNormalized: text("email_normalized").notNull(),
    // Self-describing scrypt string (see passwords.ts); never leaves the service.
    passwordHash: text("password_hash").notNull(),
    displayName: text("display_name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("users_email_normalized_unique").on(table.emailNormalized),
    // The database, not only the code, keeps the normalized form honest.
    check("users_email_normalized_lower", sql`${table.emailNormalized} = lower(${table.email})`),
  ],
);

/** The public half of an ES256 key as a JWK (no private member). */
export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
}

export const signingKeys = identity.table(
  "signing_keys",
  {
    // RFC 7638 thumbprint of the public key.
    kid: text("kid").primaryKey(),
    alg: text("alg").notNull().default("ES256"),
    publicJwk: jsonb("public_jwk").$type<PublicJwk>().notNull(),
    // PKCS#8 private key sealed with AES-256-GCM (see key-encryption.ts): "v1.<iv>.<tag>.<ciphertext>".
    privateKeyEncrypted: text("private_key_encrypted").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    activatedAt: timestamp("activated_at", { withTimezone: true }).notNull().defaultNow(),
    // Set when a newer key takes over; the key still verifies for a while after (signing-keys.ts).
    retiredAt: timestamp("retired_at", { withTimezone: true }),
  },
  (table) => [
    check("signing_keys_alg_es256", sql`${table.alg} = 'ES256'`),
    // One active key per algorithm, whatever races the code loses.
    uniqueIndex("signing_keys_one_active").on(table.alg).where(sql`${table.retiredAt} is null`),
  ],
);

export const schema = { users, signingKeys };

export type UserRow = typeof users.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
