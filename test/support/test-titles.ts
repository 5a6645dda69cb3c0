import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * The titles a test file gives its `describe`, `it` and `test` calls, read from its source, so a
 * document can name tests and a test can check that they still exist. Titles of `.each` tables
 * are patterns ("rejects %s", "gates $job …"); a name made from one counts only when each value
 * put into the pattern is itself a case of the file: a string or number literal in it or in a
 * module it imports relatively (a shared table of cases). Template-literal titles with `${}` are
 * never matched: name their describe block instead.
 */
export interface DeclaredTitle {
  text: string;
  /** Where the title stands in the source, to check describe › it order. */
  offset: number;
  /** Present for `.each` titles with placeholders: the whole-title pattern, one group per value. */
  pattern?: RegExp;
  /** A template literal with `${}`: cannot be named. */
  interpolated: boolean;
}

const CALLEE = /\b(?:describe|it|test)\b/g;
const CHAIN_WITH_ARGUMENTS = new Set(["each", "for", "skipIf", "runIf"]);
const PLACEHOLDER = /%[sdifjo#]|\$[A-Za-z_][\w.]*/g;
const HAS_PLACEHOLDER = new RegExp(PLACEHOLDER.source);

export function declaredTitles(source: string): DeclaredTitle[] {
  const titles: DeclaredTitle[] = [];
  for (const match of source.matchAll(CALLEE)) {
    if (source[match.index - 1] === ".") continue;
    let at = match.index + match[0].length;
    let each = false;
    for (;;) {
      at = skipSpace(source, at);
      const member = /^\.\s*([A-Za-z]+)/.exec(source.slice(at, at + 40));
      if (!member) break;
      const name = member[1] as string;
      at = skipSpace(source, at + member[0].length);
      if (CHAIN_WITH_ARGUMENTS.has(name) && source[at] === "(") at = skipBalanced(source, at);
      if (name === "each" || name === "for") each = true;
    }
    if (source[at] !== "(") continue;
    const start = skipSpace(source, at + 1);
    const literal = readStringLiteral(source, start);
    if (!literal) continue;
    const pattern = each && HAS_PLACEHOLDER.test(literal.text) ? eachPattern(literal.text) : undefined;
    titles.push({ text: literal.text, offset: start, interpolated: literal.interpolated, pattern });
  }
  return titles;
}

/**
 * True when `path` (outermost first) names titles of the file in nesting order: each title stands
 * after the previous one in the source.
 */
export function namesTest(testFile: string, path: readonly string[]): boolean {
  if (!existsSync(testFile)) return false;
  const source = readFileSync(testFile, "utf8");
  const titles = declaredTitles(source);
  const cases = caseLiterals(testFile, source);
  const matchesFrom = (index: number, after: number): boolean => {
    if (index === path.length) return true;
    const wanted = path[index] as string;
    return titles.some(
      (title) =>
        title.offset > after && titleMatches(title, wanted, cases) && matchesFrom(index + 1, title.offset),
    );
  };
  return matchesFrom(0, -1);
}

function titleMatches(title: DeclaredTitle, wanted: string, cases: Set<string>): boolean {
  if (title.interpolated) return false;
  if (!title.pattern) return title.text === wanted;
  const values = title.pattern.exec(wanted)?.slice(1);
  return values?.every((value) => cases.has(value)) ?? false;
}

function eachPattern(text: string): RegExp {
  const parts = text.split(PLACEHOLDER).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("(.+?)")}$`);
}

/** String and number literals of the file and of the modules it imports by relative path. */
function caseLiterals(testFile: string, source: string): Set<string> {
  const sources = [source];
  for (const [, specifier] of source.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
    const imported = resolve(dirname(testFile), specifier as string);
    if (existsSync(imported)) sources.push(readFileSync(imported, "utf8"));
  }
  const literals = new Set<string>();
  for (const text of sources) {
    for (let at = 0; at < text.length; at++) {
      const literal = /["'`]/.test(text[at] as string) ? readStringLiteral(text, at) : undefined;
      if (literal) {
        if (!literal.interpolated) literals.add(literal.text);
        at = literal.end - 1;
      }
    }
    for (const [number] of text.matchAll(/\b\d+(?:\.\d+)?\b/g)) literals.add(number);
  }
  return literals;
}

function skipSpace(source: string, at: number): number {
  while (at < source.length && /\s/.test(source[at] as string)) at++;
  return at;
}

/** From an opening parenthesis to just past its closing one, stepping over string literals. */
function skipBalanced(source: string, at: number): number {
  let depth = 0;
  while (at < source.length) {
    const char = source[at] as string;
    if (char === '"' || char === "'" || char === "`") {
      at = readStringLiteral(source, at)?.end ?? at + 1;
      continue;
    }
    if (char === "(" || char === "[" || char === "{") depth++;
    if (char === ")" || char === "]" || char === "}") depth--;
    at++;
    if (depth === 0) return at;
  }
  return at;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0" };

function readStringLiteral(
  source: string,
  at: number,
): { text: string; end: number; interpolated: boolean } | undefined {
  const quote = source[at];
  if (quote !== '"' && quote !== "'" && quote !== "`") return undefined;
  let text = "";
  let interpolated = false;
  for (let index = at + 1; index < source.length; index++) {
    const char = source[index] as string;
    if (char === "\\") {
      const next = source[index + 1] as string;
      text += ESCAPES[next] ?? next;
      index++;
    } else if (char === quote) {
      return { text, end: index + 1, interpolated };
    } else if (quote === "`" && char === "$" && source[index + 1] === "{") {
      interpolated = true;
      text += char;
    } else if (char === "\n" && quote !== "`") {
      return undefined;
    } else {
      text += char;
    }
  }
  return undefined;
}
