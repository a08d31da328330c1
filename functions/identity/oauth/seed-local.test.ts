// Local access seeding: what it makes, that it runs any number of times (also two at once),
// that the files hold working secrets readable by the owner only, and that it prints nothing.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { databaseKinds } from "../../platform/testing/databases.js";
import { oauthClients, users } from "../db/schema.js";
import { useIdentity } from "../testing.js";
import {
  ADMIN_CLIENT_ID,
  CLI_CLIENT_ID,
  CLI_REDIRECT_URI,
  DEMO_EMAIL,
  seedLocalAccess,
} from "./seed-local.js";
import { basicAuth, signInWithCode, tokenRequest } from "./testing.js";

describe.each(databaseKinds)("seedLocalAccess on %s", (kind) => {
  const identity = useIdentity(kind);
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "slipway-seed-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const secrets = async () => ({
    admin: (await readFile(join(dataDir, "admin-client-secret"), "utf8")).trim(),
    demo: (await readFile(join(dataDir, "demo-password"), "utf8")).trim(),
  });

  it("makes the CLI and admin clients and the demo customer, secrets in owner-only files, printing nothing", async () => {
    const writes: string[] = [];
    const capture = (chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const files = await seedLocalAccess(identity.db, { dataDir: join(dataDir, "nested") }).finally(
      () => vi.restoreAllMocks(),
    );
    expect(writes).toEqual([]);
    expect(files).toEqual({
      adminSecretFile: join(dataDir, "nested", "admin-client-secret"),
      demoPasswordFile: join(dataDir, "nested", "demo-password"),
    });
    for (const file of Object.values(files)) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    await rm(join(dataDir, "nested"), { recursive: true });

    await seedLocalAccess(identity.db, { dataDir });
    const clients = await identity.db.select().from(oauthClients);
    expect(clients.find((client) => client.clientId === CLI_CLIENT_ID)).toMatchObject({
      secretHash: null,
      redirectUris: [CLI_REDIRECT_URI],
      grantTypes: ["authorization_code", "refresh_token"],
      scopes: ["profile", "orders:read", "orders:write"],
    });
    const admin = clients.find((client) => client.clientId === ADMIN_CLIENT_ID);
    expect(admin).toMatchObject({ grantTypes: ["client_credentials"], scopes: ["catalog:write"] });
    const { admin: secret, demo } = await secrets();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(admin?.secretHash).not.toContain(secret);
    expect(demo.length).toBeGreaterThanOrEqual(12);
  });

  it("gives working credentials: the admin secret gets catalog:write, the demo password signs in", async () => {
    const { admin, demo } = await secrets();
    const machine = await tokenRequest(
      identity.app,
      { grant_type: "client_credentials" },
      basicAuth(ADMIN_CLIENT_ID, admin),
    );
    expect(machine.status).toBe(200);
    expect(machine.body.scope).toBe("catalog:write");
    const human = await signInWithCode(
      identity.app,
      {
        clientId: CLI_CLIENT_ID,
        secret: undefined,
        redirectUri: "http://127.0.0.1:49152/callback",
      },
      { email: DEMO_EMAIL, password: demo },
    );
    expect(human.status).toBe(200);
    expect(human.body.scope).toBe("profile orders:read orders:write");
  });

  it("changes nothing when run again, even twice at once", async () => {
    const before = await secrets();
    await Promise.all([
      seedLocalAccess(identity.db, { dataDir }),
      seedLocalAccess(identity.db, { dataDir }),
    ]);
    expect(await secrets()).toEqual(before);
    expect(await identity.db.$count(users, eq(users.emailNormalized, DEMO_EMAIL))).toBe(1);
    expect(await identity.db.$count(oauthClients)).toBeGreaterThanOrEqual(2);
  });

  it("restores what the files say after the database lost or changed it", async () => {
    const { admin, demo } = await secrets();
    await identity.db.delete(oauthClients).where(eq(oauthClients.clientId, ADMIN_CLIENT_ID));
    await identity.db
      .update(users)
      .set({ passwordHash: "scrypt$bogus" })
      .where(eq(users.emailNormalized, DEMO_EMAIL));
    await seedLocalAccess(identity.db, { dataDir });
    const machine = await tokenRequest(
      identity.app,
      { grant_type: "client_credentials" },
      basicAuth(ADMIN_CLIENT_ID, admin),
    );
    expect(machine.status).toBe(200);
    const human = await signInWithCode(
      identity.app,
      { clientId: CLI_CLIENT_ID, secret: undefined, redirectUri: CLI_REDIRECT_URI },
      { email: DEMO_EMAIL, password: demo },
    );
    expect(human.status).toBe(200);
  });
});
