import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/catalog/v1/catalog_pb.js";
import { createLogger } from "../logger.js";
import { createErrorInterceptor } from "./errors.js";

function clientThrowing(error: unknown) {
  const logger = createLogger("test", "SILENT");
  const transport = createRouterTransport(
    (router) =>
      router.rpc(CatalogService.method.getProduct, async () => {
        throw error;
      }),
    { router: { interceptors: [createErrorInterceptor(logger)] } },
  );
  return createClient(CatalogService, transport);
}

describe("createErrorInterceptor", () => {
  it("hides the message of an unexpected error behind a bare Internal", async () => {
    const leak = new Error('duplicate key value violates unique constraint "secret_table_pkey"');
    const error = (await clientThrowing(leak)
      .getProduct({ id: "x" })
      .catch(ConnectError.from)) as ConnectError;
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe("internal error");
    expect(error.message).not.toContain("secret_table");
  });

  it("passes deliberate Connect errors through unchanged", async () => {
    const error = (await clientThrowing(new ConnectError("product x not found", Code.NotFound))
      .getProduct({ id: "x" })
      .catch(ConnectError.from)) as ConnectError;
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe("product x not found");
  });
});
