import { type Config, ConfigSchema, crossKeyProblems } from "./schema.ts";

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Parses the whole configuration once, at a runtime's door. Empty strings count as unset so that
 * `KEY=` in an env file means "use the default". Throws one error naming every bad key.
 */
export function parseConfig(source: Readonly<Record<string, unknown>>): Config {
  const relevant: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== "") relevant[key] = value;
  }
  const result = ConfigSchema.safeParse(relevant);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".") || "(config)"}: ${issue.message}`);
  const reported = new Set(problems.map((problem) => problem.split(":")[0]));
  for (const { key, message } of crossKeyProblems(relevant)) {
    if (!reported.has(key)) problems.push(`${key}: ${message}`);
  }
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(problems);
}
