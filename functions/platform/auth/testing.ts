/**
 * Test helpers: signing keys, their key set, and access tokens (`typ: at+jwt`, as identity signs
 * them) with any claim or header changed or removed — including the forgeries a verifier must
 * refuse (`alg: none`, HS256 signed with the public key). For tests only; identity signs real
 * tokens with keys from its database.
 *
 * @example
 * const key = await createSigningKey("key-1");
 * const verifier = createAccessTokenVerifier({ ...TEST_TOKEN_CONTEXT, jwks: createLocalJWKSet(keySetOf(key)) });
 * const token = await mintAccessToken(key, { claims: { scope: "orders:read", jti: undefined } });
 */
import { createHmac, randomUUID } from "node:crypto";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTHeaderParameters,
  SignJWT,
} from "jose";

export const TEST_TOKEN_CONTEXT = {
  /** The gateway's public base URL in tests, as identities under test are told (TOKEN_ISSUER). */
  issuer: "https://slipway.test",
  audience: "slipway-api",
} as const;

export interface SigningKey {
  kid: string;
  alg: "ES256";
  privateKey: CryptoKey;
  /** The public half as published in a JWKS: with `kid`, `alg` and `use`. */
  publicJwk: JWK;
}

export async function createSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return { kid, alg: "ES256", privateKey, publicJwk };
}

export function keySetOf(...keys: SigningKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

/** `undefined` removes a claim or header parameter. */
export type Overrides = Record<string, unknown>;

export interface MintOptions {
  claims?: Overrides;
  header?: Overrides;
}

/** Valid claims for a 5-minute token, with `overrides` applied. Times in seconds since epoch. */
export function accessTokenClaims(overrides: Overrides = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return withoutUndefined({
    iss: TEST_TOKEN_CONTEXT.issuer,
    aud: TEST_TOKEN_CONTEXT.audience,
    sub: "customer-1",
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 300,
    client_id: "test-client",
    scope: "profile orders:read orders:write",
    ...overrides,
  });
}

export async function mintAccessToken(key: SigningKey, options: MintOptions = {}): Promise<string> {
  const header = withoutUndefined({ alg: key.alg, kid: key.kid, typ: "at+jwt", ...options.header });
  return new SignJWT(accessTokenClaims(options.claims))
    .setProtectedHeader(header as JWTHeaderParameters)
    .sign(key.privateKey);
}

/** An unsecured JWT (`alg: none`, empty signature) naming `kid`, as an attacker would send it. */
export function mintUnsignedToken(kid: string, options: MintOptions = {}): string {
  return `${signingInput({ alg: "none", kid, typ: "at+jwt", ...options.header }, options.claims)}.`;
}

/**
 * An HS256 token whose HMAC secret is the signing key's public JWK as JSON — the key-confusion
 * attack against verifiers that let the token's `alg` pick how a published key is used.
 */
export function mintPublicKeyHmacToken(key: SigningKey, options: MintOptions = {}): string {
  const input = signingInput(
    { alg: "HS256", kid: key.kid, typ: "at+jwt", ...options.header },
    options.claims,
  );
  const secret = JSON.stringify(key.publicJwk);
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

function signingInput(header: Overrides, claims?: Overrides): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode(withoutUndefined(header))}.${encode(accessTokenClaims(claims))}`;
}

function withoutUndefined(record: Overrides): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** The INTERNAL_TOKEN_SECRET every service under test shares (tests only). */
export const TEST_INTERNAL_SECRET = "test-internal-token-secret-0123456789abcdef";
