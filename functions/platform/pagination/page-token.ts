// Opaque page tokens for lists keyed by UUID (ListProducts, ListOrders): the id of the last
// item on the previous page.
// Versioned so the format can change without misreading tokens clients still hold.
import * as v from "valibot";
import { uuidRule } from "../validation/rules.js";

const PREFIX = "v1:";

export function encodePageToken(lastId: string): string {
  return Buffer.from(PREFIX + lastId).toString("base64url");
}

/** The id after which the page starts, or undefined for a token that is not one of ours. */
export function decodePageToken(token: string): string | undefined {
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith(PREFIX)) return undefined;
  const id = text.slice(PREFIX.length);
  return v.is(uuidRule, id) ? id : undefined;
}
