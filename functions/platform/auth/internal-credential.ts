/**
 * Internal credentials: how one slipway service proves to another who a call is for.
 *
 * Every Connect call between services carries a short-lived JWT (≤ 60 s) in
 * `x-slipway-credential`, signed with the internal key every service gets from config
 * (INTERNAL_TOKEN_SECRET), with `aud` = the callee, `sub` = the end user the call is made for
 * (or `service:<name>` for work no user asked for) and `scope` = what that user may do. One
 * client interceptor adds it; one server interceptor in every service verifies it and checks
 * the method's required scopes, so a service never trusts a plain header and authorizes each
 * call itself even behind the gateway. The `Authorization` header stays free for the transport
 * (SigV4 on IAM-protected function URLs).
 *
 * @example
 * // caller side (gateway): the verified end user rides along with the call
 * const catalog = createServiceClient(CatalogService, {
 *   baseUrl, timeoutMs,
 *   interceptors: [createCredentialInterceptor({ secret, from: "gateway", to: "catalog" })],
 * });
 * await catalog.createProduct(req, { contextValues: callerValues(user) });
 *
 * // callee side (catalog)
 * const policy = methodPolicy(CatalogService, { createProduct: ["catalog:write"], getProduct: [] });
 * interceptors: [createCredentialCheck({ secret, service: "catalog", policy }), ...]
 * // in a handler: const caller = callerOf(context);
 */
import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { errors, jwtVerify, SignJWT } from "jose";
import * as v from "valibot";
import { hasScopes, parseScope, type Scope } from "./scopes.js";

export const CREDENTIAL_HEADER = "x-slipway-credential";

/** The configuration every service that calls or serves internal RPCs reads. */
export const internalCredentialConfig = {
  /**
   * Signs and verifies internal credentials; the same random value (at least 32 characters)
   * in every service. The local runner makes one; messages never echo its value.
   */
  INTERNAL_TOKEN_SECRET: v.pipe(
    v.string("is required"),
    v.minLength(32, "must be at least 32 characters"),
  ),
};

/** Who a call is made for. */
export interface Caller {
  /** An end user's or machine client's id (the access token's `sub`), or `service:<name>`. */
  subject: string;
  scopes: ReadonlySet<string>;
}

/** Lifetime of a credential: one call, retries included, plus nothing to steal for long. */
export const CREDENTIAL_LIFETIME_SECONDS = 60;
const ISSUER = "slipway-internal";
// Its own `typ`, so neither kind of token can stand in for the other.
const TYPE = "slipway-internal+jwt";
const CLOCK_TOLERANCE_SECONDS = 5;

const callerKey = createContextKey<Caller | undefined>(undefined, {
  description: "slipway caller",
});

/** Context values for a client call made on behalf of `caller`. */
export function callerValues(caller: Caller): ContextValues {
  return createContextValues().set(callerKey, caller);
}

/** A service acting for itself (event-driven work, public reads). */
export function serviceCaller(service: string): Caller {
  return { subject: `service:${service}`, scopes: new Set() };
}

/** The verified caller of the RPC being handled; set by `createCredentialCheck`. */
export function callerOf(context: Pick<HandlerContext, "values">): Caller {
  const caller = context.values.get(callerKey);
  // Only reachable when a service is assembled without the check: fail closed.
  if (!caller) throw new ConnectError("no verified caller", Code.Unauthenticated);
  return caller;
}

export function isServiceCaller(caller: Caller): boolean {
  return caller.subject.startsWith("service:");
}

export interface CredentialInterceptorOptions {
  secret: string;
  /** This service's name, recorded in the credential. */
  from: string;
  /** The callee service's name: the credential's audience. */
  to: string;
  /** Whom calls that name no caller are made for; by default this service itself. */
  defaultCaller?: Caller;
}

/**
 * Most credentials a process keeps signed (per interceptor) or verified (per check) at once: a
 * service calls for a bounded set of callers at a time, and the oldest entry makes way.
 */
const CACHED_CREDENTIALS = 1_000;

/**
 * Client side: puts a credential on each call, for the caller in the call's context values,
 * or the default caller when there is none.
 *
 * A credential is signed once per caller and reused for calls to the same callee during the
 * first half of its lifetime, so it still has at least 30 s to live when it is sent: signing
 * (HMAC through WebCrypto) was the largest cost per call after the network itself.
 */
export function createCredentialInterceptor(options: CredentialInterceptorOptions): Interceptor {
  const key = keyOf(options.secret);
  const fallback = options.defaultCaller ?? serviceCaller(options.from);
  const signed = new BoundedCache<string, { credential: Promise<string>; reuseUntil: number }>(
    CACHED_CREDENTIALS,
  );
  const credentialFor = (caller: Caller): Promise<string> => {
    const id = `${caller.subject}\n${[...caller.scopes].sort().join(" ")}`;
    const now = Date.now();
    const cached = signed.get(id);
    if (cached && now < cached.reuseUntil) return cached.credential;
    const credential = sign(key, options.from, options.to, caller);
    signed.set(id, { credential, reuseUntil: now + (CREDENTIAL_LIFETIME_SECONDS * 1000) / 2 });
    // A failed signing is not kept for the next call.
    credential.catch(() => signed.delete(id));
    return credential;
  };
  return (next) => async (req) => {
    const caller = req.contextValues.get(callerKey) ?? fallback;
    req.header.set(CREDENTIAL_HEADER, await credentialFor(caller));
    return next(req);
  };
}

/** A Map that forgets its oldest entry when full. */
class BoundedCache<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }
  override set(key: K, value: V): this {
    this.delete(key);
    if (this.size >= this.capacity) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

/** One credential, for a call made outside a Connect client (for example `buf curl -H`). */
export function mintCredential(options: CredentialInterceptorOptions & { caller: Caller }) {
  return sign(keyOf(options.secret), options.from, options.to, options.caller);
}

async function sign(
  key: Promise<CryptoKey>,
  from: string,
  to: string,
  caller: Caller,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: [...caller.scopes].join(" "), azp: from })
    .setProtectedHeader({ alg: "HS256", typ: TYPE })
    .setIssuer(ISSUER)
    .setAudience(to)
    .setSubject(caller.subject)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + CREDENTIAL_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(await key);
}

/** Required scopes per RPC, keyed `<service type name>/<method name>`. Build with `methodPolicy`. */
export type MethodPolicy = ReadonlyMap<string, readonly Scope[]>;

/**
 * The scopes each method of `service` requires; every method must be listed (an empty list
 * means any verified caller), so adding an RPC without deciding who may call it fails to compile.
 */
export function methodPolicy<S extends DescService>(
  service: S,
  required: { [M in keyof S["method"]]: readonly Scope[] },
): MethodPolicy {
  return new Map(
    service.methods.map((method) => [
      `${service.typeName}/${method.name}`,
      (required as Record<string, readonly Scope[]>)[method.localName] ?? [],
    ]),
  );
}

export interface CredentialCheckOptions {
  secret: string;
  /** This service's name: the audience credentials must be minted for. */
  service: string;
  policy: MethodPolicy;
}

/**
 * Server side: refuses a call without a valid credential for this service (`Unauthenticated`)
 * or whose caller lacks the method's scopes (`PermissionDenied`), and hands the verified caller
 * to the handler (`callerOf`). Messages name no claim and echo nothing from the credential.
 *
 * A credential that verified is remembered, exactly as given, until the moment it would stop
 * verifying (its expiry or maximum age, with the clock tolerance), so a caller reusing it costs
 * no HMAC; the answer is the one a fresh verification would give.
 */
export function createCredentialCheck(options: CredentialCheckOptions): Interceptor {
  const key = keyOf(options.secret);
  const verified = new BoundedCache<string, { caller: Caller; validUntil: number }>(
    CACHED_CREDENTIALS,
  );
  const callerFrom = async (credential: string | null): Promise<Caller> => {
    const cached = credential === null ? undefined : verified.get(credential);
    if (cached && Date.now() < cached.validUntil) return cached.caller;
    const { caller, validUntil } = await verify(credential, key, options.service);
    verified.set(credential as string, { caller, validUntil });
    return caller;
  };
  return (next) => async (req) => {
    const required = options.policy.get(`${req.method.parent.typeName}/${req.method.name}`);
    // A method no policy names is refused, not waved through.
    if (!required) throw new ConnectError("method not allowed", Code.PermissionDenied);
    const caller = await callerFrom(req.header.get(CREDENTIAL_HEADER));
    if (!hasScopes(caller.scopes, required)) {
      throw new ConnectError(`requires scope ${required.join(" ")}`, Code.PermissionDenied);
    }
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
}

async function verify(
  credential: string | null,
  key: Promise<CryptoKey>,
  audience: string,
): Promise<{ caller: Caller; validUntil: number }> {
  if (!credential) throw unauthenticated();
  try {
    const { payload } = await jwtVerify(credential, await key, {
      algorithms: ["HS256"],
      typ: TYPE,
      issuer: ISSUER,
      audience,
      maxTokenAge: CREDENTIAL_LIFETIME_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["sub", "exp", "iat", "jti", "scope"],
    });
    const { sub, scope, iat, exp } = payload;
    if (
      typeof sub !== "string" ||
      sub === "" ||
      typeof scope !== "string" ||
      typeof iat !== "number" ||
      typeof exp !== "number" ||
      exp - iat > CREDENTIAL_LIFETIME_SECONDS
    ) {
      throw unauthenticated();
    }
    // Past both, jwtVerify refuses it: the expiry, and the maximum age counted from `iat`.
    const lastSecond = Math.min(exp, iat + CREDENTIAL_LIFETIME_SECONDS) + CLOCK_TOLERANCE_SECONDS;
    return { caller: { subject: sub, scopes: parseScope(scope) }, validUntil: lastSecond * 1000 };
  } catch (error) {
    if (error instanceof ConnectError || error instanceof errors.JOSEError) throw unauthenticated();
    throw error;
  }
}

function unauthenticated() {
  return new ConnectError("missing or invalid internal credential", Code.Unauthenticated);
}

/**
 * The HMAC key, imported once per interceptor: given raw bytes, jose imports a WebCrypto key on
 * every sign and verify, a third of what a credential costs.
 */
function keyOf(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}
