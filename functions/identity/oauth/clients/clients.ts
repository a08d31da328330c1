/**
 * OAuth clients: registering one (seeding, tests, later an admin API) and finding one.
 * A client with a secret is confidential; without one it is public and proves itself with
 * PKCE instead. Only the secret's SHA-256 is stored (opaque-tokens.ts says why that suffices).
 *
 * @example
 * const secret = newClientSecret();
 * await registerClient(db, {
 *   clientId: "reporting", name: "Reporting job", grantTypes: ["client_credentials"],
 *   scopes: ["catalog:write"], secret,
 * });
 */
import { eq } from "drizzle-orm";
import { isScope, type Scope } from "../../../platform/auth/scopes.js";
import type { IdentityDb } from "../../db/open.js";
import { type OAuthClientRow, oauthClients } from "../../db/schema.js";
import { hashOpaqueToken, matchesHash, newOpaqueToken } from "../opaque-tokens.js";
import { isRegistrableRedirectUri } from "./redirect-uri.js";

export const GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export interface ClientRegistration {
  /** Letters, digits and `-._~`, at most 128 characters. */
  clientId: string;
  name: string;
  grantTypes: readonly GrantType[];
  /** What the client may ask for. */
  scopes: readonly Scope[];
  /** Required with authorization_code: https, or http on 127.0.0.1 / [::1] (any port matches). */
  redirectUris?: readonly string[];
  /** Makes the client confidential; at least 32 random characters, e.g. newClientSecret(). */
  secret?: string;
}

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;
const MIN_SECRET_LENGTH = 32;

/** A client secret of 256 random bits. */
export const newClientSecret = newOpaqueToken;

/**
 * Registers a client, or brings an existing one with the same id in line with `registration`
 * (so seeding can run at every start). Throws on a registration that could never work.
 */
export async function registerClient(
  db: IdentityDb,
  registration: ClientRegistration,
): Promise<OAuthClientRow> {
  const problem = registrationProblem(registration);
  if (problem) throw new Error(`cannot register client ${registration.clientId}: ${problem}`);
  const values = {
    name: registration.name,
    secretHash: registration.secret === undefined ? null : hashOpaqueToken(registration.secret),
    redirectUris: [...(registration.redirectUris ?? [])],
    grantTypes: [...new Set(registration.grantTypes)],
    scopes: [...new Set(registration.scopes)],
  };
  const [row] = await db
    .insert(oauthClients)
    .values({ clientId: registration.clientId, ...values })
    .onConflictDoUpdate({ target: oauthClients.clientId, set: values })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** True when `clientId` is something a client could be registered under. */
export const isClientId = (clientId: string) => CLIENT_ID.test(clientId);

export async function findClient(
  db: IdentityDb,
  clientId: string,
): Promise<OAuthClientRow | undefined> {
  if (!isClientId(clientId)) return undefined;
  const [row] = await db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
  return row;
}

export const isConfidential = (client: OAuthClientRow) => client.secretHash !== null;

export const allowsGrant = (client: OAuthClientRow, grantType: GrantType) =>
  client.grantTypes.includes(grantType);

/** True when `secret` is the confidential client's secret. */
export function verifyClientSecret(client: OAuthClientRow, secret: string): boolean {
  return client.secretHash !== null && matchesHash(secret, client.secretHash);
}

function registrationProblem(registration: ClientRegistration): string | undefined {
  const { clientId, name, grantTypes, scopes, redirectUris = [], secret } = registration;
  if (!CLIENT_ID.test(clientId)) return "the id must be 1-128 letters, digits or -._~";
  if (name.trim() === "") return "the name must not be empty";
  if (grantTypes.length === 0) return "it needs at least one grant type";
  if (!grantTypes.every((grant) => (GRANT_TYPES as readonly string[]).includes(grant))) {
    return "an unknown grant type was given";
  }
  if (scopes.length === 0 || !scopes.every(isScope)) return "it needs known scopes";
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
    return `the secret must be at least ${MIN_SECRET_LENGTH} random characters`;
  }
  if (grantTypes.includes("client_credentials") && secret === undefined) {
    return "client_credentials is for confidential clients (with a secret) only";
  }
  if (grantTypes.includes("authorization_code") && redirectUris.length === 0) {
    return "authorization_code needs at least one redirect URI";
  }
  if (!redirectUris.every(isRegistrableRedirectUri)) {
    return "redirect URIs must be https, or http on 127.0.0.1 or [::1], without a fragment";
  }
  return undefined;
}
