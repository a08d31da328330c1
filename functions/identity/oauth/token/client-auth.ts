/**
 * Client authentication at the token endpoint (RFC 6749 §2.3): HTTP Basic
 * (client_secret_basic; id and secret each form-urlencoded before base64, §2.3.1), the secret
 * in the body (client_secret_post), or for a public client its client_id alone. A request
 * may use one method only.
 *
 * @example
 * const credentials = readClientCredentials(c.req.header("authorization"), params);
 * const client = await authenticateClient(db, credentials);
 */
import type { IdentityDb } from "../../db/open.js";
import type { OAuthClientRow } from "../../db/schema.js";
import { findClient, isConfidential, verifyClientSecret } from "../clients/clients.js";
import { OAuthError } from "../oauth-error.js";
import { formDecode, type Params } from "../params.js";

export interface ClientCredentials {
  clientId: string;
  secret: string | undefined;
}

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2})$/i;

/** True when the request tried HTTP Basic: its invalid_client answer is 401 with a challenge. */
export const usesBasic = (authorization: string | undefined) =>
  authorization !== undefined && /^basic(\s|$)/i.test(authorization.trim());

export function readClientCredentials(
  authorization: string | undefined,
  params: Params,
): ClientCredentials {
  const bodyId = params.one("client_id");
  const bodySecret = params.one("client_secret");
  if (authorization === undefined || authorization.trim() === "") {
    if (bodyId === undefined) throw failed();
    return { clientId: bodyId, secret: bodySecret };
  }
  if (!usesBasic(authorization)) {
    throw new OAuthError("invalid_request", "only HTTP Basic client authentication is supported");
  }
  const basic = readBasic(authorization.trim());
  if (bodySecret !== undefined) {
    throw new OAuthError("invalid_request", "use one client authentication method, not two");
  }
  if (bodyId !== undefined && bodyId !== basic.clientId) {
    throw new OAuthError("invalid_request", "client_id differs from the authenticated client");
  }
  return basic;
}

/** The client the credentials prove; invalid_client when they prove none. */
export async function authenticateClient(
  db: IdentityDb,
  { clientId, secret }: ClientCredentials,
): Promise<OAuthClientRow> {
  const client = await findClient(db, clientId);
  if (!client) throw failed();
  if (isConfidential(client)) {
    if (secret === undefined || !verifyClientSecret(client, secret)) throw failed();
  } else if (secret !== undefined) {
    // A public client has no secret; one that sends a secret is not who it claims to be.
    throw failed();
  }
  return client;
}

function readBasic(header: string): ClientCredentials {
  const match = BASIC.exec(header);
  const decoded = match?.[1] ? Buffer.from(match[1], "base64") : undefined;
  let text: string | undefined;
  try {
    text = decoded && new TextDecoder("utf-8", { fatal: true }).decode(decoded);
  } catch {
    text = undefined;
  }
  const colon = text?.indexOf(":") ?? -1;
  if (text === undefined || colon < 1) throw failed();
  try {
    const clientId = formDecode(text.slice(0, colon));
    const secret = formDecode(text.slice(colon + 1));
    return { clientId, secret: secret === "" ? undefined : secret };
  } catch {
    throw failed();
  }
}

const failed = () => new OAuthError("invalid_client", "client authentication failed");
