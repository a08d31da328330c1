// GetUser: one user by id, without any secret; a user may read only their own.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { eq } from "drizzle-orm";
import * as v from "valibot";
import type { IdentityService } from "../../../gen/identity/v1/identity_pb.js";
import { callerOf, isServiceCaller } from "../../../platform/auth/internal-credential.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import type { IdentityDb } from "../../db/open.js";
import { users } from "../../db/schema.js";
import { toUserMessage, userNotFound } from "../../user.js";

export const getUserRules = v.object({ id: uuidRule });

export function getUser(db: IdentityDb): ServiceImpl<typeof IdentityService>["getUser"] {
  return async (req, context) => {
    const caller = callerOf(context);
    // Services read any user; an end user only themselves, and only with the profile scope.
    if (!isServiceCaller(caller) && (caller.subject !== req.id || !caller.scopes.has("profile"))) {
      throw new ConnectError("a user may read only their own profile", Code.PermissionDenied);
    }
    const [row] = await db.select().from(users).where(eq(users.id, req.id));
    if (!row) throw userNotFound(req.id);
    return { user: toUserMessage(row) };
  };
}
