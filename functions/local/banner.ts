/**
 * Lines of the local runners' ready banner that `npm start` and `npm run start:local` share:
 * how to get tokens, and where traces went.
 *
 * @example
 * process.stdout.write([...serviceLines, ...accessLines(gatewayUrl, access)].join("\n"));
 */
import { ADMIN_CLIENT_ID, DEMO_EMAIL, type LocalAccess } from "../identity/oauth/seed-local.js";
import type { Tracing } from "../platform/telemetry/tracing.js";
import { dataDirOf } from "./local-env.js";

/** How to get an admin and a customer token from this gateway. */
export function accessLines(gatewayUrl: string, access: LocalAccess): string[] {
  return [
    "Tokens (OAuth 2.0 at the gateway):",
    `  admin     curl -s -u ${ADMIN_CLIENT_ID}:$(cat ${access.adminSecretFile}) -d grant_type=client_credentials -d scope=catalog:write ${gatewayUrl}/oauth2/token`,
    `  customer  ${loginCommand(gatewayUrl)} -- ${DEMO_EMAIL}   (password in ${access.demoPasswordFile})`,
  ];
}

/** Where spans go, and how to read them when they go to files. */
export function tracesLine(tracing: Pick<Tracing, "exporter" | "destination">, dataDir: string) {
  if (tracing.exporter !== "file") return tracing.destination;
  const command = `${dataDir === dataDirOf({}) ? "" : `DATA_DIR=${dataDir} `}npm run trace -- --last`;
  return `${tracing.destination}        ${command}`;
}

/** `npm run login`, pointed at this gateway when it is not on the default port. */
function loginCommand(gatewayUrl: string): string {
  return gatewayUrl === "http://127.0.0.1:3000"
    ? "npm run login"
    : `SLIPWAY_URL=${gatewayUrl} npm run login`;
}
