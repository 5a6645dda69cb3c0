/** The rows of `execute()`: postgres.js answers with an array of rows, PGlite with `{ rows }`. */
export function rowsOf<Row>(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}
