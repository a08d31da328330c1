/**
 * `npm run credential -- <service> [scope …]`: prints an internal credential for calling a
 * service directly (with `buf curl -H`), as another service would: valid 60 s, `aud` = the
 * service, `sub` = `service:cli`, with the given scopes. The key is INTERNAL_TOKEN_SECRET, or
 * the one `npm start` keeps in DATA_DIR (default `.data`). For local debugging; deployed
 * secrets stay in their store.
 *
 *   CRED=$(npm run -s credential -- catalog catalog:write)
 *   npx buf curl --schema proto -H "x-slipway-credential: $CRED" --data '{"pageSize": 5}' \
 *     http://127.0.0.1:3002/slipway.catalog.v1.CatalogService/ListProducts
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { mintCredential } from "../platform/auth/internal-credential.js";
import { isScope } from "../platform/auth/scopes.js";

const SERVICES = ["catalog", "identity"];
const usage = `usage: npm run credential -- <${SERVICES.join("|")}> [scope …]`;

async function main([service, ...scopes]: string[]): Promise<number> {
  if (!service || !SERVICES.includes(service)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scope: ${unknown.join(", ")}\n${usage}\n`);
    return 2;
  }
  const secret = process.env.INTERNAL_TOKEN_SECRET || (await localSecret());
  if (!secret) {
    process.stderr.write(
      "no INTERNAL_TOKEN_SECRET, and none kept by npm start in DATA_DIR (run npm start once)\n",
    );
    return 1;
  }
  const credential = await mintCredential({
    secret,
    from: "cli",
    to: service,
    caller: { subject: "service:cli", scopes: new Set(scopes) },
  });
  process.stdout.write(`${credential}\n`);
  return 0;
}

async function localSecret(): Promise<string | undefined> {
  const path = join(process.env.DATA_DIR || ".data", "internal-token-secret");
  const text = await readFile(path, "utf8").catch(() => undefined);
  return text?.trim() || undefined;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`credential failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
