// Secrets every stage sets once with `sst secret set <Name> <value> --stage <stage>` (random,
// at least 32 characters); deploys fail until they are set. Functions link them and read them
// through SST's Resource (functions/<service>/links.ts).
import { linkable } from "./linkables.js";

/** Signs and checks the credential every internal call carries; the same in every service. */
export const internalTokenSecret = linkable("InternalTokenSecret", (name) => new sst.Secret(name));

/** Seals identity's token signing keys at rest; changing it makes the stored keys unreadable. */
export const identityKeySecret = linkable("IdentityKeySecret", (name) => new sst.Secret(name));
