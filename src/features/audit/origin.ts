import type { AppEnv } from "../../app-env.ts";
import type { Actor } from "../../lib/actor.ts";

/** Where a request came from, for audit rows of routes that run before anyone is signed in. */
export type RequestOrigin = Pick<Actor, "requestId" | "ip" | "userAgent">;

export function requestOriginOf(c: {
  var: AppEnv["Variables"];
  req: { header(name: string): string | undefined };
}): RequestOrigin {
  return {
    requestId: c.var.requestId,
    ip: c.var.clientIp,
    userAgent: (c.req.header("User-Agent") ?? "").slice(0, 256),
  };
}

/**
 * The actor of a self-service action with no session yet (registration): the account itself,
 * from the request's origin. `sessionId` is empty because none exists.
 */
export function selfActor(user: Pick<Actor, "userId" | "role">, origin: RequestOrigin): Actor {
  return { userId: user.userId, role: user.role, sessionId: "", ...origin };
}
