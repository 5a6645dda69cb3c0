import type { Deps } from "./deps.ts";

/** Who is calling; set by `authenticate`, read by handlers and the request log. */
export interface Auth {
  userId: string;
  role: "admin" | "manager" | "developer" | "reporter";
  sessionId: string;
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    requestId: string;
    auth: Auth | undefined;
    clientIp: string;
  };
};
