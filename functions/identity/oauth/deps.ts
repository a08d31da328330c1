// What the OAuth routes are built from, once per service start (see routes.ts).
import type { Logger } from "../../platform/logger.js";
import type { IdentityConfig } from "../config.js";
import type { IdentityDb } from "../db/open.js";

export type OAuthConfig = Pick<
  IdentityConfig,
  "TOKEN_ISSUER" | "ACCESS_TOKEN_TTL_SECONDS" | "REFRESH_TOKEN_TTL_SECONDS" | "IDENTITY_KEY_SECRET"
>;

export interface OAuthDeps {
  db: IdentityDb;
  logger: Logger;
  config: OAuthConfig;
}
