// Drives the identity's Lambda entry point with API Gateway v2 events, as AWS would.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CREDENTIAL_HEADER } from "../platform/auth/internal-credential.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { apiGatewayEvent, lambdaContext } from "../platform/testing/api-gateway-event.js";
import { testCredential } from "../platform/testing/credentials.js";
import { newKeySecret, uniqueEmail } from "./testing.js";

type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<APIGatewayProxyResult>;

describe("identity Lambda handler", () => {
  let invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult>;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "slipway-identity-lambda-"));
    vi.stubEnv("DATA_DIR", dataDir);
    vi.stubEnv("LOG_LEVEL", "SILENT");
    vi.stubEnv("DATABASE_URL", undefined);
    vi.stubEnv("IDENTITY_KEY_SECRET", newKeySecret());
    vi.stubEnv("INTERNAL_TOKEN_SECRET", TEST_INTERNAL_SECRET);
    vi.resetModules();
    const handler = (await import("./lambda.js")).handler as unknown as Handler;
    invoke = (event) => handler(event, lambdaContext("slipway-identity"));
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("serves the JWKS", async () => {
    const result = await invoke(apiGatewayEvent({ method: "GET", path: "/.well-known/jwks.json" }));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.["cache-control"]).toBe("public, max-age=300");
    expect((JSON.parse(result.body) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it("registers a user over Connect JSON", async () => {
    const email = uniqueEmail("lambda");
    const result = await invoke(
      apiGatewayEvent({
        method: "POST",
        path: "/slipway.identity.v1.IdentityService/RegisterUser",
        headers: {
          "content-type": "application/json",
          "connect-protocol-version": "1",
          [CREDENTIAL_HEADER]: await testCredential("identity"),
        },
        text: JSON.stringify({ email, password: "lambda-passphrase-1", displayName: "Lambda" }),
      }),
    );
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body) as { user: { email: string; displayName: string } };
    expect(body.user).toMatchObject({ email, displayName: "Lambda" });
    expect(result.body).not.toContain("lambda-passphrase-1");
  });
});
