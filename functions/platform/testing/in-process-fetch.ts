/**
 * A `fetch` that hands requests straight to an app's fetch handler, for calling a service in
 * process with its real HTTP stack (routing, Connect protocol, interceptors) and no socket.
 *
 * @example
 * const client = createServiceClient(CatalogService, { baseUrl: "http://catalog.test", timeoutMs: 5000, fetch: inProcessFetch(app) });
 */
type FetchHandler = (request: Request) => Response | Promise<Response>;

export function inProcessFetch(app: { fetch: FetchHandler }): typeof fetch {
  return async (input, init) => app.fetch(new Request(input, init));
}
