import { type Config, ConfigSchema } from "./schema.ts";

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
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join(".") || "(config)";
    return `${key}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}
