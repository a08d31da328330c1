// What every grant of the token endpoint gets and gives back (token-endpoint.ts signs the rest).
import type { OAuthClientRow } from "../../db/schema.js";
import type { OAuthDeps } from "../deps.js";
import type { Params } from "../params.js";

export interface GrantRequest extends OAuthDeps {
  /** Already authenticated (or, for a public client, identified) by the endpoint. */
  client: OAuthClientRow;
  params: Params;
}

export interface Granted {
  /** `sub` of the access token. */
  subject: string;
  /** Space-separated scope of the access token. */
  scope: string;
  refreshToken?: string;
}

export type Grant = (request: GrantRequest) => Promise<Granted>;

/** Runs `work` in a transaction typed as the database, as drizzle's own helpers expect. */
export function inTransaction<T>(
  db: GrantRequest["db"],
  work: (tx: GrantRequest["db"]) => Promise<T>,
): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as GrantRequest["db"]));
}
