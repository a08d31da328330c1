/**
 * Client-side load balancing over a service's replicas: each call goes to the next one in
 * turn. No health tracking: a call that lands on a dead replica fails as it would with one URL
 * (`Unavailable`), and the next call goes to the next replica.
 *
 * @example
 * const transport = roundRobinTransport(urls.map((baseUrl) => createConnectTransport({ baseUrl })));
 * const identityFetch = roundRobinFetch(["http://127.0.0.1:3001", "http://127.0.0.1:3011"]);
 */
import type { Transport } from "@connectrpc/connect";

/** The items in turn, starting with the first, forever. */
export function roundRobin<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error("round robin over nothing");
  let next = 0;
  return () => {
    const item = items[next] as T;
    next = (next + 1) % items.length;
    return item;
  };
}

/** One transport whose calls (unary and streaming) take turns over `transports`. */
export function roundRobinTransport(transports: readonly Transport[]): Transport {
  if (transports.length === 1) return transports[0] as Transport;
  const next = roundRobin(transports);
  return {
    unary: (...args) => next().unary(...args),
    stream: (...args) => next().stream(...args),
  };
}

/**
 * Plain HTTP over replicas: requests addressed under `baseUrls[0]` go to the next base URL in
 * turn, same path and query; anything else passes through untouched.
 */
export function roundRobinFetch(
  baseUrls: readonly string[],
  fetchFn: typeof globalThis.fetch = globalThis.fetch,
): typeof globalThis.fetch {
  const [first] = baseUrls;
  if (first === undefined) throw new Error("round robin over nothing");
  if (baseUrls.length === 1) return fetchFn;
  const prefix = withSlash(first);
  const next = roundRobin(baseUrls.map(withSlash));
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(prefix)) return fetchFn(input, init);
    const target = `${next()}${url.slice(prefix.length)}`;
    return input instanceof Request
      ? fetchFn(new Request(target, input), init)
      : fetchFn(target, init);
  };
}

const withSlash = (url: string) => (url.endsWith("/") ? url : `${url}/`);
