/**
 * The whole system started for an end-to-end test file, with an admin client's token and the
 * demo customer signed in, as most e2e files need it; and its clean-up.
 *
 * @example
 * let running: RunningSystem;
 * beforeAll(async () => { running = await startSystemSignedIn("orders", { LOG_LEVEL: "WARN" }); }, 90_000);
 * afterAll(() => stopSystems(running?.dataDir));
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminToken, logIn } from "./oauth-client.js";
import { killAllSystems, type SystemProcess, servicePorts, spawnSystem } from "./system.js";

export interface RunningSystem {
  dataDir: string;
  ports: Record<string, string>;
  /** The gateway's base URL. */
  gateway: string;
  system: SystemProcess;
  /** An access token of the local admin client. */
  admin: string;
  /** An access token of the demo customer. */
  customer: string;
}

export async function startSystemSignedIn(
  name: string,
  env: Record<string, string> = {},
): Promise<RunningSystem> {
  const dataDir = await mkdtemp(join(tmpdir(), `slipway-e2e-${name}-`));
  const ports = await servicePorts();
  const gateway = `http://127.0.0.1:${ports.PORT_GATEWAY}`;
  const system = spawnSystem({ ...ports, DATA_DIR: dataDir, ...env });
  await system.waitUntilRunning(60_000);
  const admin = await adminToken(gateway, dataDir);
  const password = (await readFile(join(dataDir, "demo-password"), "utf8")).trim();
  const customer = (await logIn(gateway, { email: "demo@slipway.dev", password })).access_token;
  return { dataDir, ports, gateway, system, admin, customer };
}

/** Kills every system this file started and removes its data. */
export async function stopSystems(dataDir: string | undefined): Promise<void> {
  await killAllSystems();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
