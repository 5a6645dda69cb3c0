import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

/**
 * Reads `.env.<NODE_ENV>` (default development) beneath real environment variables, which win, so
 * a deployment can override any committed default without editing files.
 */
export function loadEnvironment(cwd: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const runtimeEnvironment = env.NODE_ENV || "development";
  const file = `${cwd}/.env.${runtimeEnvironment}`;
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : {};
  return { ...fromFile, ...env, NODE_ENV: runtimeEnvironment };
}
