/**
 * Password hashing with scrypt (memory-hard, in `node:crypto`), stored as a self-describing
 * string so the cost can rise later without losing existing users:
 * `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>`.
 *
 * @example
 * const stored = await hashPassword(password);
 * if (await verifyPassword(candidate, stored)) { ... }
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

// N = 2^15, r = 8, p = 1: 32 MiB and tens of milliseconds per hash (OWASP's scrypt minimum is
// N = 2^17 with r = 8 at 128 MiB; 2^15 keeps a Lambda of 512 MB serving several logins at once).
const COST = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds on what a stored string may ask for, so a corrupt row cannot exhaust the process.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, COST);
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64url"), hash.toString("base64url")]
    .map(String)
    .join("$");
}

/** True when `password` matches `stored`; false for a wrong password or an unreadable string. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const hash = await derive(password, parsed.salt, parsed.cost, parsed.hash.length);
  return timingSafeEqual(hash, parsed.hash);
}

/** True when `stored` was made with weaker parameters than today's: rehash after a login. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.cost.N < COST.N || parsed.cost.r < COST.r || parsed.cost.p < COST.p;
}

interface Cost {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, cost: Cost, length = HASH_BYTES): Promise<Buffer> {
  // The same characters typed on different keyboards can arrive in different Unicode forms.
  const input = Buffer.from(password.normalize("NFC"), "utf8");
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(input, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function parse(stored: string): { cost: Cost; salt: Buffer; hash: Buffer } | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : 0));
  if (!N || !r || !p || N > MAX_N || (N & (N - 1)) !== 0 || r > MAX_R || p > MAX_P) {
    return undefined;
  }
  const salt = Buffer.from(parts[4] ?? "", "base64url");
  const hash = Buffer.from(parts[5] ?? "", "base64url");
  if (salt.length < SALT_BYTES || hash.length < 16 || hash.length > 64) return undefined;
  return { cost: { N, r, p }, salt, hash };
}
