/**
 * Seals signing keys at rest: AES-256-GCM with a key derived (HKDF-SHA256) from the
 * IDENTITY_KEY_SECRET of the config, so a copy of the database alone reveals no private key.
 * The row's kid is the additional authenticated data: a sealed key moved to another row fails.
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 *
 * @example
 * const sealed = sealPrivateKey(pkcs8Pem, kid, config.IDENTITY_KEY_SECRET);
 * const pem = openPrivateKey(sealed, kid, config.IDENTITY_KEY_SECRET); // throws on a wrong secret
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
// HKDF fits a secret that is already random (the runner generates 32+ random characters); a
// human-chosen passphrase would want scrypt here instead.
const HKDF_SALT = "slipway-identity";
const HKDF_INFO = "signing-key-encryption v1";

export class KeyDecryptionError extends Error {
  override name = "KeyDecryptionError";
}

function encryptionKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, HKDF_SALT, HKDF_INFO, 32));
}

export function sealPrivateKey(plaintext: string, kid: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(secret), iv, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(kid, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** The plaintext of a sealed key; throws KeyDecryptionError for a wrong secret, kid or form. */
export function openPrivateKey(sealed: string, kid: string, secret: string): string {
  const [version, iv, tag, ciphertext, ...rest] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || !ciphertext || rest.length > 0) {
    throw new KeyDecryptionError(`signing key ${kid} is not in a known sealed form`);
  }
  try {
    const decipher = createDecipheriv(
      "aes-256-gcm",
      encryptionKey(secret),
      Buffer.from(iv, "base64url"),
      { authTagLength: TAG_BYTES },
    );
    decipher.setAAD(Buffer.from(kid, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    // Say nothing about why: the message must not help guess the secret.
    throw new KeyDecryptionError(
      `signing key ${kid} cannot be decrypted with IDENTITY_KEY_SECRET (changed?)`,
    );
  }
}
