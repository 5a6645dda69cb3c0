import { readFileSync } from "node:fs";

/**
 * The Node flags `npm start` (package.json) runs the API with, and so the Docker image: the bench
 * and the soak start the API the same way, so the process they measure is the one deployed.
 */
export function startScriptNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } };
  const words = scripts.start.split(/\s+/);
  if (words[0] !== "node") throw new Error(`npm start must run node, not: ${scripts.start}`);
  return words.slice(1).filter((word) => word.startsWith("--"));
}
