// The identity configuration's variables that come from resources SST links to its functions
// (database, secrets, other services' URLs); infra/ links exactly these (infra.test.ts).
import {
  type Links,
  linkedDatabaseUrl,
  linkedSecret,
  linkedUrl,
} from "../platform/linked-config.js";

export const identityLinks = {
  DATABASE_URL: linkedDatabaseUrl("IdentityDatabase"),
  INTERNAL_TOKEN_SECRET: linkedSecret("InternalTokenSecret"),
  IDENTITY_KEY_SECRET: linkedSecret("IdentityKeySecret"),
  // Tokens name the public API as their issuer: clients reach identity only through it.
  TOKEN_ISSUER: linkedUrl("Api"),
} satisfies Links;
