/**
 * Builds the gateway from its configuration: clients of the services it fronts, each call
 * signed with an internal credential, and the verifier of callers' access tokens. Built once
 * per process (per cold start on Lambda), so the key set stays cached between requests.
 *
 * @example
 * const app = startGateway(loadConfig(GatewayConfig));
 * // tests: services in process, and keys of their own
 * startGateway(config, { upstreams: { catalog: inProcessFetch(catalogApp) }, jwks: createLocalJWKSet(keys) });
 */
import type { DescService } from "@bufbuild/protobuf";
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from "jose";
import { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import { IdentityService } from "../gen/identity/v1/identity_pb.js";
import { OrdersService } from "../gen/orders/v1/orders_pb.js";
import { ACCESS_TOKEN_AUDIENCE, createAccessTokenVerifier } from "../platform/auth/access-token.js";
import { createCredentialInterceptor } from "../platform/auth/internal-credential.js";
import { createReadiness, UPSTREAM_TIMEOUT_MS } from "../platform/health/readiness.js";
import { upstreamCheck } from "../platform/health/upstream.js";
import { createLogger } from "../platform/logger.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { serviceUrls } from "../platform/rpc/config.js";
import { roundRobinFetch } from "../platform/rpc/round-robin.js";
import { createGatewayApp, SERVICE_NAME } from "./app.js";
import { createAuth } from "./auth.js";
import type { GatewayConfig } from "./config.js";

/**
 * After a key-set fetch, how long a token naming an unknown `kid` is refused without fetching
 * again: a key rotated in is picked up within this time, and made-up kids cannot make the
 * gateway fetch more often than this.
 */
export const JWKS_COOLDOWN_MS = 5_000;

export type Upstream = "catalog" | "identity" | "orders" | "payments";

export interface GatewayOptions {
  /** How every call to a service is made (a request signer, say); Node's fetch by default. */
  fetch?: typeof globalThis.fetch;
  /** A fetch for one service, over `fetch`: in tests, each service's app in process. */
  upstreams?: Partial<Record<Upstream, typeof globalThis.fetch>>;
  /** The keys access tokens are checked with; by default identity's key set, cached. */
  jwks?: JWTVerifyGetKey;
}

export function startGateway(config: GatewayConfig, options: GatewayOptions = {}) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const fetchFor = (upstream: Upstream) => options.upstreams?.[upstream] ?? options.fetch;
  // Each service's replicas, called in turn.
  const urls = {
    catalog: serviceUrls(config.CATALOG_URLS, config.CATALOG_URL),
    identity: serviceUrls(config.IDENTITY_URLS, config.IDENTITY_URL),
    orders: serviceUrls(config.ORDERS_URLS, config.ORDERS_URL),
    payments: serviceUrls(config.PAYMENTS_URLS, config.PAYMENTS_URL),
  };
  const clientOf = <S extends DescService>(service: S, to: Upstream) =>
    createServiceClient(service, {
      baseUrl: urls[to],
      timeoutMs: config.RPC_TIMEOUT_MS,
      fetch: fetchFor(to),
      interceptors: [
        createCredentialInterceptor({
          secret: config.INTERNAL_TOKEN_SECRET,
          from: SERVICE_NAME,
          to,
        }),
      ],
    });

  // Identity's plain HTTP (OAuth endpoints, key set) takes turns over its replicas too.
  const identityUrl = urls.identity[0] as string;
  const identityFetch =
    urls.identity.length > 1
      ? roundRobinFetch(urls.identity, fetchFor("identity"))
      : fetchFor("identity");
  const jwks =
    options.jwks ??
    createRemoteJWKSet(new URL("/.well-known/jwks.json", identityUrl), {
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: config.RPC_TIMEOUT_MS,
      ...(identityFetch ? { [customFetch]: identityFetch } : {}),
    });
  const verifier = createAccessTokenVerifier({
    issuer: config.TOKEN_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
    jwks,
  });

  return createGatewayApp({
    catalog: clientOf(CatalogService, "catalog"),
    identity: clientOf(IdentityService, "identity"),
    orders: clientOf(OrdersService, "orders"),
    identityHttp: {
      baseUrl: identityUrl,
      fetch: identityFetch ?? globalThis.fetch,
      timeoutMs: config.RPC_TIMEOUT_MS,
    },
    requireScopes: createAuth({ verifier, logger }),
    logger,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    tokenIssuer: config.TOKEN_ISSUER,
    // Ready when every service is (every replica of it): each asked concurrently, its
    // reason passed on.
    readiness: createReadiness(
      {
        catalog: upstreamCheck(urls.catalog, fetchFor("catalog")),
        identity: upstreamCheck(urls.identity, fetchFor("identity")),
        orders: upstreamCheck(urls.orders, fetchFor("orders")),
        payments: upstreamCheck(urls.payments, fetchFor("payments")),
      },
      { timeoutMs: UPSTREAM_TIMEOUT_MS },
    ),
  });
}
