import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken } from "./page-token.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const runs = { numRuns: 100 };

describe("page tokens", () => {
  it("decode to the id they were made from", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.boolean(), (uuid, upper) => {
        const id = upper ? uuid.toUpperCase() : uuid;
        expect(decodePageToken(encodePageToken(id))).toBe(id);
      }),
      runs,
    );
  });

  it("are URL-safe and do not show the id in clear", () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        const token = encodePageToken(id);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(token).not.toContain(id);
      }),
      runs,
    );
  });

  it("decode any string without throwing, to undefined or a UUID", () => {
    const anyToken = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.base64String(),
      // Our own prefix followed by anything: exercises the id check, not just the prefix.
      fc.string().map((rest) => Buffer.from(`v1:${rest}`).toString("base64url")),
    );
    fc.assert(
      fc.property(anyToken, (token) => {
        const id = decodePageToken(token);
        if (id !== undefined) expect(id).toMatch(UUID);
      }),
      runs,
    );
  });

  it("refuse a token made from anything but a UUID", () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !UUID.test(text)),
        (text) => {
          expect(decodePageToken(encodePageToken(text))).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it("refuse a token of another format version", () => {
    const id = "01890a5d-ac96-774b-bcce-b302099a8057";
    expect(decodePageToken(Buffer.from(`v2:${id}`).toString("base64url"))).toBeUndefined();
    expect(decodePageToken(Buffer.from(id).toString("base64url"))).toBeUndefined();
    expect(decodePageToken("")).toBeUndefined();
  });
});
