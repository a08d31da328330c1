/**
 * Where other services answer: `<SERVICE>_URL` (one replica) or `<SERVICE>_URLS` (several,
 * comma-separated, called in turn); spread the entries into a caller's config schema.
 *
 * @example
 * const Config = v.object({ CATALOG_URL: v.optional(httpUrl, "http://127.0.0.1:3002"), CATALOG_URLS: httpUrlList });
 * createServiceClient(CatalogService, { baseUrl: serviceUrls(config.CATALOG_URLS, config.CATALOG_URL), timeoutMs });
 */
import * as v from "valibot";
import { httpUrl } from "../config.js";

/** Comma-separated http(s) URLs, one per replica; unset means the single `<SERVICE>_URL`. */
export const httpUrlList = v.optional(
  v.pipe(
    v.string(),
    v.transform((text) =>
      text
        .split(",")
        .map((url) => url.trim())
        .filter((url) => url !== ""),
    ),
    v.array(httpUrl),
    v.minLength(1, "must list at least one URL"),
  ),
);

/** The replicas to call: `<SERVICE>_URLS` when set, else the one `<SERVICE>_URL`. */
export const serviceUrls = (urls: readonly string[] | undefined, url: string): string[] =>
  urls && urls.length > 0 ? [...urls] : [url];
