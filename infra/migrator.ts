// The migrator: a Lambda in the VPC that every deploy invokes once, before new code takes
// traffic, to create each service's role and apply its migrations as that role
// (functions/migrator). It is the only function with the administrator's credentials. Not run
// by `sst dev`: there each service migrates its own schema on start, as `npm start` does.
import { migratorLinks } from "../functions/migrator/links.js";
import { vpc } from "./database.js";
import { linksOf } from "./linkables.js";
import { code, runtime } from "./service-function.js";

export const migrator = new sst.aws.Function("Migrator", {
  ...code("migrator", "lambda"),
  ...runtime,
  memory: "512 MB",
  // Long migrations (an index on a big table) must not be cut off halfway.
  timeout: "300 seconds",
  vpc,
  link: linksOf(migratorLinks),
  environment: { SERVICE_NAME: "migrator" },
});

if (!$dev) {
  // An Invocation runs when its input changes: a new one on every deploy.
  new aws.lambda.Invocation("MigratorInvocation", {
    functionName: migrator.name,
    input: JSON.stringify({ deployedAt: new Date().toISOString() }),
  });
}
