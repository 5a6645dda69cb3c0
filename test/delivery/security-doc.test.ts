import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTEXT_WORDS } from "../../src/features/auth/password-policy.ts";
import { namesTest } from "../support/test-titles.ts";

/**
 * docs/SECURITY.md maps each OWASP API Top 10 (2023) risk and each ASVS 5.0 requirement to the
 * tests that prove it. This keeps the mapping true: every named file exists, every named test is
 * still there under that title, and no item has gone missing.
 */
const document = readFileSync("docs/SECURITY.md", "utf8");

/** `test/x.test.ts` › "describe title" › "test title": the path segments, outermost first. */
const REFERENCE = /`(test\/[\w./-]+\.test\.ts)`((?:\s*›\s*"[^"\n]+")+)/g;
const references = [...document.matchAll(REFERENCE)].map(([, file, path]) => ({
  file: file as string,
  path: [...(path as string).matchAll(/"([^"\n]+)"/g)].map(([, title]) => title as string),
}));

/** ASVS 5.0.0 level 1 and 2 requirements of V6 (authentication) to V9 (self-contained tokens). */
const ASVS_L1_L2 = [
  ...["6.1.1", "6.1.2", "6.1.3", "6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.2.5", "6.2.6", "6.2.7"],
  ...["6.2.8", "6.2.9", "6.2.10", "6.2.11", "6.2.12", "6.3.1", "6.3.2", "6.3.3", "6.3.4", "6.4.1"],
  ...["6.4.2", "6.4.3", "6.4.4", "6.5.1", "6.5.2", "6.5.3", "6.5.4", "6.5.5", "6.6.1", "6.6.2"],
  ...["6.6.3", "6.8.1", "6.8.2", "6.8.3", "6.8.4"],
  ...["7.1.1", "7.1.2", "7.1.3", "7.2.1", "7.2.2", "7.2.3", "7.2.4", "7.3.1", "7.3.2", "7.4.1"],
  ...["7.4.2", "7.4.3", "7.4.4", "7.4.5", "7.5.1", "7.5.2", "7.6.1", "7.6.2"],
  ...["8.1.1", "8.1.2", "8.2.1", "8.2.2", "8.2.3", "8.3.1", "8.4.1"],
  ...["9.1.1", "9.1.2", "9.1.3", "9.2.1", "9.2.2", "9.2.3", "9.2.4"],
];

/** Table rows as cells; the first cell names the item(s). */
const rows = document
  .split("\n")
  .filter((line) => line.startsWith("| ") && !line.startsWith("| ---"))
  .map((line) =>
    line
      .slice(1, -1)
      .split(" | ")
      .map((cell) => cell.trim()),
  );
const provenBy = (row: string[]) => row.at(-1) ?? "";
const hasReference = (cell: string) => new RegExp(REFERENCE.source).test(cell);

describe("docs/SECURITY.md", () => {
  it("names only test files that exist", () => {
    const named = [...document.matchAll(/`(test\/[\w./-]+)`/g)].map(([, file]) => file as string);
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((file) => !existsSync(file))).toEqual([]);
  });

  it("names only tests that exist under those titles", () => {
    expect(references.length).toBeGreaterThan(50);
    const missing = references
      .filter((reference) => !namesTest(reference.file, reference.path))
      .map((reference) => `${reference.file} › ${reference.path.join(" › ")}`);
    expect(missing).toEqual([]);
  });

  it("covers every OWASP API Security Top 10 (2023) risk, each with a test or why it does not apply", () => {
    for (let number = 1; number <= 10; number++) {
      const row = rows.find((cells) => new RegExp(`^\\*{0,2}API${number}\\b`).test(cells[0] ?? ""));
      expect(row, `API${number}`).toBeDefined();
      expect(row).toHaveLength(3);
      const proof = provenBy(row ?? []);
      expect(hasReference(proof) || /does not apply/i.test(proof), `API${number}`).toBe(true);
    }
  });

  it("covers every ASVS 5.0 L1 and L2 item of V6 to V9: a test, N/A with a reason, or a gap", () => {
    const unaccounted = ASVS_L1_L2.filter((item) => {
      const row = rows.find((cells) =>
        (cells[0]?.match(/\b\d+\.\d+\.\d+\b/g) ?? ([] as string[])).includes(item),
      );
      if (!row) return true;
      const proof = provenBy(row);
      return !(hasReference(proof) || /^N\/A\b.{10,}/.test(proof) || /\*\*Gap\*\*.{10,}/.test(proof));
    });
    expect(unaccounted).toEqual([]);
  });

  it("lists exactly the context-specific words the password policy refuses", () => {
    const line = /^Context-specific words: (.+)$/m.exec(document)?.[1] ?? "";
    const listed = [...line.matchAll(/`([^`]+)`/g)].map(([, word]) => word);
    expect(listed).toEqual([...CONTEXT_WORDS]);
  });
});

describe("the test-title reader behind these checks", () => {
  it("finds plain titles, describe › it paths in order, and .each cases from a shared table", () => {
    expect(
      namesTest("test/auth/flow.test.ts", [
        "sessions",
        "logout-all ends every session of the user and no one else's",
      ]),
    ).toBe(true);
    expect(
      namesTest("test/auth/flow.test.ts", [
        "password change",
        "logout-all ends every session of the user and no one else's",
      ]),
    ).toBe(false);
    expect(namesTest("test/auth/jwt-attacks.test.ts", ["alg: none"])).toBe(true);
    expect(namesTest("test/auth/jwt-attacks.test.ts", ["alg: maybe"])).toBe(false);
    expect(namesTest("test/auth/login-and-register.test.ts", ["rejects a common password"])).toBe(true);
    expect(namesTest("test/auth/login-and-register.test.ts", ["rejects anything at all"])).toBe(false);
    expect(namesTest("test/auth/flow.test.ts", ["a title no test has"])).toBe(false);
  });
});
