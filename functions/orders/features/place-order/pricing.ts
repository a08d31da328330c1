// Prices an order's lines from catalog (GetProduct per line, for the customer) and freezes the
// prices: the order keeps what catalog answered now, whatever the product costs later.
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import type { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { type Caller, callerValues } from "../../../platform/auth/internal-credential.js";

export type CatalogClient = Client<typeof CatalogService>;

export interface PricedLine {
  productId: string;
  quantity: number;
  unitPriceMinor: bigint;
  name: string;
}

export interface PricedOrder {
  lines: PricedLine[];
  currency: string;
  totalMinor: bigint;
}

/** Largest total in minor units: keeps amounts exact as JSON numbers at the gateway. */
export const MAX_TOTAL_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

/** Calls to catalog in flight at once for one order. */
const CONCURRENCY = 8;

// Worth retrying later: catalog is down, slow or failing; the order is fine.
const CATALOG_UNAVAILABLE = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
  Code.Aborted,
  Code.Internal,
  Code.Unknown,
]);

export async function priceLines(
  catalog: CatalogClient,
  lines: readonly { productId: string; quantity: number }[],
  options: { caller: Caller; signal?: AbortSignal },
): Promise<PricedOrder> {
  const priced = await mapConcurrently(lines, CONCURRENCY, async (line) => {
    const product = await getProduct(catalog, line.productId, options);
    if (!product.price)
      throw new Error(`catalog answered product ${line.productId} without a price`);
    return { line, name: product.name, price: product.price };
  });
  const [first] = priced;
  if (!first) throw new Error("an order without lines");
  const currency = first.price.currency;
  const other = priced.find(({ price }) => price.currency !== currency);
  if (other) {
    throw new ConnectError(
      `product ${other.line.productId} is priced in ${other.price.currency}, the rest of the order in ${currency}`,
      Code.FailedPrecondition,
    );
  }
  const totalMinor = priced.reduce(
    (sum, { line, price }) => sum + price.amountMinor * BigInt(line.quantity),
    0n,
  );
  if (totalMinor > MAX_TOTAL_MINOR) {
    throw new ConnectError(`the order's total exceeds ${MAX_TOTAL_MINOR}`, Code.FailedPrecondition);
  }
  return {
    currency,
    totalMinor,
    lines: priced.map(({ line, name, price }) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPriceMinor: price.amountMinor,
      name,
    })),
  };
}

async function getProduct(
  catalog: CatalogClient,
  id: string,
  { caller, signal }: { caller: Caller; signal?: AbortSignal },
) {
  try {
    const { product } = await catalog.getProduct(
      { id },
      { contextValues: callerValues(caller), ...(signal ? { signal } : {}) },
    );
    if (!product) throw new Error(`catalog answered no product for ${id}`);
    return product;
  } catch (error) {
    const code = error instanceof ConnectError ? error.code : undefined;
    if (code === Code.NotFound) throw new ConnectError(`product ${id} not found`, Code.NotFound);
    // The customer's own call was cancelled: nothing to answer, nothing to log.
    if (code === Code.Canceled) throw error;
    if (code !== undefined && CATALOG_UNAVAILABLE.has(code)) {
      throw new ConnectError(
        "catalog cannot price the order right now; try again",
        Code.Unavailable,
      );
    }
    // Refused credentials or a rule broken: a fault of this service, logged as internal.
    throw error instanceof ConnectError
      ? new Error(`catalog refused GetProduct: ${error.message}`, { cause: error })
      : error;
  }
}

/** `map` with at most `limit` calls running at once; results in input order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
