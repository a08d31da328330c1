import { describe, expect, it } from "vitest";
import { OAuthError } from "./oauth-error.js";
import { MAX_BODY_BYTES, parseUrlEncoded, readFormBody } from "./params.js";

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("form parameters", () => {
  it("decodes + and %XX as UTF-8 and treats an empty value as absent", () => {
    const params = parseUrlEncoded("a=x+y%20z&b=%C3%A9%F0%9F%98%80&c=&d&=e&&f=1=2");
    expect(params.one("a")).toBe("x y z");
    expect(params.one("b")).toBe("é😀");
    expect(params.one("c")).toBeUndefined();
    expect(params.one("d")).toBeUndefined();
    expect(params.one("f")).toBe("1=2");
    expect(params.one("missing")).toBeUndefined();
  });

  it("refuses a repeated parameter when it is read, naming only the parameter", () => {
    const params = parseUrlEncoded("a=1&a=2&b=3");
    expect(params.repeated("a")).toBe(true);
    expect(params.one("b")).toBe("3");
    const error = refusal(() => params.one("a"));
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe("invalid_request");
    expect((error as OAuthError).description).toBe("the a parameter must be sent at most once");
    expect(() => params.required("missing")).toThrow(/the missing parameter is required/);
  });

  it.each([
    ["a lone %", "a=%"],
    ["a short escape", "a=%4"],
    ["a non-hex escape", "a=%zz"],
    ["an escape of bytes that are not UTF-8", "a=%C3%28"],
    ["an overlong encoding", "a=%C0%AF"],
    ["an encoded lone surrogate", "a=%ED%A0%80"],
    ["a NUL", "a=x%00y"],
    ["a value over 4096 characters", `a=${"x".repeat(4097)}`],
    ["more than 32 parameters", Array.from({ length: 33 }, (_, i) => `p${i}=1`).join("&")],
  ])("refuses %s", (_name, input) => {
    const error = refusal(() => parseUrlEncoded(input));
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe("invalid_request");
    expect((error as OAuthError).message).not.toContain("xxxx");
  });

  it("refuses raw bytes that are not UTF-8", () => {
    expect(() => parseUrlEncoded(new Uint8Array([0x61, 0x3d, 0xff]))).toThrow(OAuthError);
  });

  it("reads a form body of the right type, charset and size", async () => {
    const request = (body: BodyInit, headers: Record<string, string>) =>
      new Request("http://x.test/", { method: "POST", body, headers });
    const form = { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" };
    expect((await readFormBody(request("a=1", form))).one("a")).toBe("1");
    await expect(
      readFormBody(request("a=1", { "content-type": "Application/X-WWW-Form-Urlencoded" })),
    ).resolves.toBeDefined();
    await expect(readFormBody(request("a=1", { "content-type": "text/plain" }))).rejects.toThrow(
      OAuthError,
    );
    await expect(readFormBody(request("x".repeat(MAX_BODY_BYTES + 1), form))).rejects.toThrow(
      /over/,
    );
    // A body that streams past the limit without announcing its length.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(1024).fill(0x61));
        controller.close();
      },
    });
    const streamed = new Request("http://x.test/", {
      method: "POST",
      body: stream,
      headers: form,
      duplex: "half",
    } as RequestInit);
    await expect(readFormBody(streamed)).rejects.toThrow(/over/);
  });
});
