import type { Deps } from "./deps.ts";
import type { Scope } from "./features/api-keys/scopes.ts";

/** Who is calling; set by `authenticate`, read by handlers and the request log. */
export interface Auth {
  userId: string;
  role: "admin" | "manager" | "developer" | "reporter";
  /** The access token's session; empty for an API key, which has none. */
  sessionId: string;
  /** Set when the caller presented an API key instead of an access token. */
  apiKey?: { id: string; scopes: readonly Scope[] };
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    requestId: string;
    auth: Auth | undefined;
    clientIp: string;
  };
};
