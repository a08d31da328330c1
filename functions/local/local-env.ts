/**
 * What a local run needs that a deployed stage gets from its secret store and its domain: the
 * token issuer (the local gateway), identity's key secret and the internal token secret, kept
 * in DATA_DIR so they survive restarts. Variables already set win.
 *
 * @example
 * const env = { ...process.env, ...(await localEnv(process.env, dataDir)) };
 */
import { localSecret } from "../platform/local-secret.js";

/** Where `npm start` and `npm run start:local` keep their state. */
export const dataDirOf = (env: NodeJS.ProcessEnv) => env.DATA_DIR || ".data";

export async function localEnv(env: NodeJS.ProcessEnv, dataDir: string) {
  return {
    // Tokens name the local gateway as their issuer, unless told otherwise.
    TOKEN_ISSUER: env.TOKEN_ISSUER || `http://127.0.0.1:${env.PORT_GATEWAY || "3000"}`,
    IDENTITY_KEY_SECRET:
      env.IDENTITY_KEY_SECRET || (await localSecret(dataDir, "identity-key-secret")),
    INTERNAL_TOKEN_SECRET:
      env.INTERNAL_TOKEN_SECRET || (await localSecret(dataDir, "internal-token-secret")),
  };
}
