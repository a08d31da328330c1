import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken } from "./page-token.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe("order page tokens", () => {
  it("decode to the id they were made from, and are URL-safe", () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        const token = encodePageToken(id);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodePageToken(token)).toBe(id);
      }),
    );
  });

  it("decode any string without throwing, to undefined or a UUID", () => {
    fc.assert(
      fc.property(fc.string(), (token) => {
        const id = decodePageToken(token);
        if (id !== undefined) expect(id).toMatch(UUID);
      }),
    );
    expect(
      decodePageToken(Buffer.from("v2:01890a5d-ac96-774b-bcce-b302099a8057").toString("base64url")),
    ).toBeUndefined();
  });
});
