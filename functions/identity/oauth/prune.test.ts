import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../../platform/testing/databases.js";
import { authorizationCodes, refreshTokens } from "../db/schema.js";
import { useIdentity } from "../testing.js";
import { pruneOAuth } from "./prune.js";
import { authorizationCode, pkcePair, testClient, testUser, tokenRequest } from "./testing.js";

describe.each(databaseKinds)("pruneOAuth on %s", (kind) => {
  const identity = useIdentity(kind);

  it("deletes codes and refresh tokens a day past expiry, and keeps the rest", async () => {
    const client = await testClient(identity.db, { public: true });
    const user = await testUser(identity);
    const { verifier, challenge } = pkcePair();
    const code = await authorizationCode(identity.app, { client, challenge }, user);
    const exchanged = await tokenRequest(identity.app, {
      grant_type: "authorization_code",
      code,
      redirect_uri: client.redirectUri,
      client_id: client.clientId,
      code_verifier: verifier,
    });
    expect(exchanged.status).toBe(200);
    const byClient = eq(refreshTokens.clientId, client.clientId);
    const codeOfClient = eq(authorizationCodes.clientId, client.clientId);

    // Expired, but less than a day ago: kept, so a replay is still recognised.
    await identity.db
      .update(refreshTokens)
      .set({ expiresAt: sql`now() - interval '1 hour'` })
      .where(byClient);
    await identity.db
      .update(authorizationCodes)
      .set({ expiresAt: sql`now() - interval '1 hour'` })
      .where(codeOfClient);
    await pruneOAuth(identity.db);
    expect(await identity.db.select().from(refreshTokens).where(byClient)).toHaveLength(1);
    expect(await identity.db.select().from(authorizationCodes).where(codeOfClient)).toHaveLength(1);

    await identity.db
      .update(refreshTokens)
      .set({ expiresAt: sql`now() - interval '25 hours'` })
      .where(byClient);
    await identity.db
      .update(authorizationCodes)
      .set({ expiresAt: sql`now() - interval '25 hours'` })
      .where(codeOfClient);
    const pruned = await pruneOAuth(identity.db);
    expect(pruned.codes).toBeGreaterThanOrEqual(1);
    expect(pruned.refreshTokens).toBeGreaterThanOrEqual(1);
    expect(await identity.db.select().from(refreshTokens).where(byClient)).toHaveLength(0);
    expect(await identity.db.select().from(authorizationCodes).where(codeOfClient)).toHaveLength(0);
  });
});
