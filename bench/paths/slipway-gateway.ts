// slipway's gateway for the real path, in a process of its own: startGateway from its config,
// as its Lambda entry composes it (without AWS's linked config and request signing), served by
// Node as `npm start` serves it.
import { SERVICE_NAME } from "../../functions/gateway/app.js";
import { GatewayConfig } from "../../functions/gateway/config.js";
import { startGateway } from "../../functions/gateway/services.js";
import { loadConfig } from "../../functions/platform/config.js";
import { startTracing } from "../../functions/platform/telemetry/tracing.js";
import { serveUntilStopped } from "./serve.js";

const tracing = await startTracing({ service: SERVICE_NAME });

await serveUntilStopped(startGateway(loadConfig(GatewayConfig)).fetch, tracing.shutdown);
