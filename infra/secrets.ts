// Secrets every stage sets once with `sst secret set <Name> <value> --stage <stage>` (random,
// at least 32 characters); deploys fail until they are set. The code reads them from its
// environment for now; the deploy issue reads them through `Resource` in the platform kit.

/** Signs and checks the credential every internal call carries; the same in every service. */
export const internalTokenSecret = new sst.Secret("InternalTokenSecret");

/** Seals identity's token signing keys at rest; changing it makes the stored keys unreadable. */
export const identityKeySecret = new sst.Secret("IdentityKeySecret");
