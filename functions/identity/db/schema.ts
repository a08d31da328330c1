// The identity service's own tables, all in the `identity` Postgres schema.
import { sql } from "drizzle-orm";
import {
  check,
  index,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

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

// OAuth 2.0 (oauth/): clients, one-use authorization codes, rotating refresh tokens and the
// failure log the rate limit counts. Codes, refresh tokens and client secrets are stored only
// as SHA-256 hashes (base64url): a leaked table grants nothing.

export const oauthClients = identity.table("oauth_clients", {
  clientId: text("client_id").primaryKey(),
  name: text("name").notNull(),
  // SHA-256 of the secret; null for a public client (no secret, PKCE instead). Secrets are 256
  // random bits made by us, so a fast hash is enough (see oauth/clients/client-secret.ts).
  secretHash: text("secret_hash"),
  redirectUris: text("redirect_uris").array().notNull().default(sql`'{}'::text[]`),
  grantTypes: text("grant_types").array().notNull(),
  // What the client may ask for; users grant at most the user scopes among them.
  scopes: text("scopes").array().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const authorizationCodes = identity.table("authorization_codes", {
  codeHash: text("code_hash").primaryKey(),
  clientId: text("client_id")
    .notNull()
    .references(() => oauthClients.clientId, { onDelete: "cascade" }),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  // Exactly as the client sent it (a loopback URI with its port); the token request repeats it.
  redirectUri: text("redirect_uri").notNull(),
  // BASE64URL(SHA-256(code_verifier)): only S256 is accepted.
  codeChallenge: text("code_challenge").notNull(),
  scope: text("scope").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  consumedAt: timestamp("consumed_at", { withTimezone: true }),
  // The refresh family the code's exchange started, revoked if the code is ever replayed.
  refreshFamilyId: uuid("refresh_family_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const refreshTokens = identity.table(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    // Every token rotated from one authorization shares it; reuse of any revokes them all.
    familyId: uuid("family_id").notNull(),
    subject: text("subject").notNull(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: "cascade" }),
    scope: text("scope").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("refresh_tokens_family").on(table.familyId)],
);

export const authFailures = identity.table(
  "auth_failures",
  {
    // "login:<normalized email>" or "client:<client_id>".
    key: text("key").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("auth_failures_key_at").on(table.key, table.at)],
);

export const schema = {
  users,
  signingKeys,
  oauthClients,
  authorizationCodes,
  refreshTokens,
  authFailures,
};

export type UserRow = typeof users.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type OAuthClientRow = typeof oauthClients.$inferSelect;
export type AuthorizationCodeRow = typeof authorizationCodes.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
