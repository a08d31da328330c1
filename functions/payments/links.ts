// The payments configuration's variables that come from resources SST links to its functions
// (database, secrets, other services' URLs); infra/ links exactly these (infra.test.ts).
import { type Links, linkedDatabaseUrl, linkedSecret } from "../platform/linked-config.js";

export const paymentsLinks = {
  DATABASE_URL: linkedDatabaseUrl("PaymentsDatabase"),
  INTERNAL_TOKEN_SECRET: linkedSecret("InternalTokenSecret"),
} satisfies Links;
