// GetUser: one user by id, without any secret.
import type { ServiceImpl } from "@connectrpc/connect";
import { eq } from "drizzle-orm";
import * as v from "valibot";
import type { IdentityService } from "../../../gen/identity/v1/identity_pb.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import type { IdentityDb } from "../../db/open.js";
import { users } from "../../db/schema.js";
import { toUserMessage, userNotFound } from "../../user.js";

export const getUserRules = v.object({ id: uuidRule });

export function getUser(db: IdentityDb): ServiceImpl<typeof IdentityService>["getUser"] {
  return async (req) => {
    const [row] = await db.select().from(users).where(eq(users.id, req.id));
    if (!row) throw userNotFound(req.id);
    return { user: toUserMessage(row) };
  };
}
