import { BadRequestError } from "./errors.ts";

/** Entity tags carry the row version, so If-Match maps directly onto a conditional update. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The version an If-Match header demands; undefined when absent or `*`. */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,10})"\s*$/.exec(header);
  if (!match?.[1])
    throw new BadRequestError('If-Match must be an entity tag such as "3".', "invalid_if_match");
  return Number(match[1]);
}
