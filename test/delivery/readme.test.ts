import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/schema.ts";

const root = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const packageJson = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  scripts: Record<string, string>;
};

/** First-column backticked names of the Markdown table that follows a heading. */
function tableNames(heading: string): string[] {
  const section = readme.split(`## ${heading}`)[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1] as string);
}

describe("README", () => {
  it("documents exactly the configuration keys the schema knows", () => {
    expect(new Set(tableNames("Configuration"))).toEqual(new Set(Object.keys(ConfigSchema.shape)));
  });

  it("documents exactly the npm scripts package.json has", () => {
    const documented = tableNames("Scripts").map((name) => name.replace(/^npm (run )?/, ""));
    expect(new Set(documented)).toEqual(new Set(Object.keys(packageJson.scripts)));
  });

  it("gives a quick start of exactly two commands whose scripts exist", () => {
    const block = readme.split("## Quick start")[1]?.match(/```sh\n([\s\S]*?)```/)?.[1] ?? "";
    const commands = block.split("\n").filter((line) => line.trim() && !line.trim().startsWith("#"));
    expect(commands).toHaveLength(2);
    for (const script of block.matchAll(/npm run ([\w:-]+)/g)) {
      expect(Object.keys(packageJson.scripts)).toContain(script[1]);
    }
    expect(commands[1]?.trim().startsWith("npm test")).toBe(true);
  });

  it("is the test command .ci/run calls", () => {
    const ci = readFileSync(new URL(".ci/run", root), "utf8");
    expect(ci).toMatch(/^npm test$/m);
  });
});
