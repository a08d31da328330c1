/**
 * Internal credentials for tests that call a service directly, as another service would.
 *
 * @example
 * const client = createServiceClient(CatalogService, {
 *   baseUrl, timeoutMs, fetch: inProcessFetch(app),
 *   interceptors: [testCredentials("catalog")], // an admin with every scope
 * });
 */
import type { Interceptor } from "@connectrpc/connect";
import {
  type Caller,
  createCredentialInterceptor,
  mintCredential,
} from "../auth/internal-credential.js";
import { SCOPES } from "../auth/scopes.js";
import { TEST_INTERNAL_SECRET } from "../auth/testing.js";

/** A caller holding every scope. */
export const TEST_ADMIN: Caller = { subject: "test-admin", scopes: new Set(SCOPES) };

/** Signs every call to `to` for `caller` (by default an admin with every scope). */
export function testCredentials(to: string, caller: Caller = TEST_ADMIN): Interceptor {
  return createCredentialInterceptor({
    secret: TEST_INTERNAL_SECRET,
    from: "test",
    to,
    defaultCaller: caller,
  });
}

/** One credential for a call to `to`, for tools outside Connect clients (`buf curl -H`). */
export function testCredential(to: string, caller: Caller = TEST_ADMIN): Promise<string> {
  return mintCredential({ secret: TEST_INTERNAL_SECRET, from: "test", to, caller });
}
