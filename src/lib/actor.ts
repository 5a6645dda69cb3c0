import type { AppEnv, Auth } from "../app-env.ts";

/** Who does something and from where: what services need for access checks and audit rows. */
export interface Actor extends Auth {
  requestId: string;
  ip: string;
  userAgent: string;
}

export function actorOf(c: {
  var: AppEnv["Variables"];
  req: { header(name: string): string | undefined };
}): Actor {
  const auth = c.var.auth;
  if (!auth) throw new Error("actorOf() used on a route without authenticate()");
  return {
    ...auth,
    requestId: c.var.requestId,
    ip: c.var.clientIp,
    userAgent: (c.req.header("User-Agent") ?? "").slice(0, 256),
  };
}
