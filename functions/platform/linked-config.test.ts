import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { httpUrl } from "./config.js";
import {
  type Links,
  linkedDatabaseUrl,
  linkedEnvironment,
  linkedSecret,
  linkedUrl,
  loadLinkedConfig,
} from "./linked-config.js";

const links = {
  DATABASE_URL: linkedDatabaseUrl("CatalogDatabase"),
  INTERNAL_TOKEN_SECRET: linkedSecret("InternalTokenSecret"),
  CATALOG_URL: linkedUrl("CatalogApi"),
} satisfies Links;

// What SST's Resource holds in a deployed function (names and properties as linked in infra/).
const resources = {
  CatalogDatabase: {
    host: "proxy.example.eu-west-1.rds.amazonaws.com",
    port: 5432,
    username: "slipway_catalog",
    password: "p@ss/word:1",
    database: "slipway",
  },
  InternalTokenSecret: { value: "s".repeat(40) },
  CatalogApi: { url: "https://abc.lambda-url.eu-west-1.on.aws/", name: "catalog" },
};

const deployed = { SST_RESOURCE_App: '{"name":"slipway","stage":"production"}' };

describe("linked configuration", () => {
  it("reads each variable from its linked resource when SST deployed the code", () => {
    expect(linkedEnvironment(links, deployed, resources)).toEqual({
      DATABASE_URL:
        "postgres://slipway_catalog:p%40ss%2Fword%3A1@proxy.example.eu-west-1.rds.amazonaws.com:5432/slipway?sslmode=require",
      INTERNAL_TOKEN_SECRET: "s".repeat(40),
      CATALOG_URL: "https://abc.lambda-url.eu-west-1.on.aws",
    });
  });

  it("connects without TLS only when the link says so (sst dev's local Postgres)", () => {
    const local = { ...resources.CatalogDatabase, host: "127.0.0.1", tls: false };
    expect(
      linkedEnvironment(links, deployed, { ...resources, CatalogDatabase: local }),
    ).toMatchObject({
      DATABASE_URL: "postgres://slipway_catalog:p%40ss%2Fword%3A1@127.0.0.1:5432/slipway",
    });
  });

  it("reads nothing from links elsewhere, so the environment alone configures the code", () => {
    expect(linkedEnvironment(links, {}, resources)).toEqual({});
  });

  it("fails at start-up naming a resource the function is not given", () => {
    const { CatalogApi: _missing, ...withoutApi } = resources;
    expect(() => linkedEnvironment(links, deployed, withoutApi)).toThrow(/CatalogApi/);
  });

  it("lets linked values win over the environment, then validates them like any config", () => {
    const schema = v.object({ CATALOG_URL: httpUrl, LOG_LEVEL: v.string() });
    // Not deployed by SST: plain environment.
    expect(
      loadLinkedConfig(
        schema,
        { CATALOG_URL: linkedUrl("CatalogApi") },
        {
          CATALOG_URL: "http://127.0.0.1:3002",
          LOG_LEVEL: "info",
        },
      ),
    ).toEqual({ CATALOG_URL: "http://127.0.0.1:3002", LOG_LEVEL: "info" });
  });
});
