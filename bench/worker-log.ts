import { closeSync, openSync, readSync, statSync } from "node:fs";

/**
 * The app's own warning and error lines (the logger's JSON) that a Worker wrote to wrangler's log
 * since the last call, counted by message and code: why a Worker answered 503 under load, say.
 * wrangler runs with `--log-level warn`, which keeps these and drops the per-request info lines.
 */
export function appLogCounter(logFile: string): () => Record<string, number> {
  let offset = fileSize(logFile);
  return () => {
    const read = readRange(logFile, offset, fileSize(logFile));
    // Up to the last whole line: the rest is counted at the next call.
    const text = read.slice(0, read.lastIndexOf("\n") + 1);
    offset += Buffer.byteLength(text);
    const counts: Record<string, number> = {};
    for (const line of text.split("\n")) {
      const record = appRecordIn(line);
      if (!record) continue;
      const detail = [record.code, record.status, record.error]
        .filter((part) => part !== undefined)
        .join(", ");
      const key = `${record.level}: ${record.msg}${detail ? ` (${detail})` : ""}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };
}

/**
 * wrangler prints a Worker's warning as `▲ [WARNING] <line>` and an error as `✘ [ERROR] <line>`,
 * coloured: the JSON is what lies between the first `{` and the last `}`.
 */
interface AppRecord {
  level: string;
  msg: string;
  code?: string;
  /** A request line's status. */
  status?: number;
  /** The logged error's message (a timeout's names the budget it missed). */
  error?: string;
}

function appRecordIn(line: string): AppRecord | undefined {
  const start = line.indexOf("{");
  const end = line.lastIndexOf("}");
  if (start < 0 || end < start) return undefined;
  try {
    const record = JSON.parse(line.slice(start, end + 1)) as Record<string, unknown>;
    if (typeof record.level !== "string" || typeof record.msg !== "string") return undefined;
    const error = record.error as { message?: unknown } | string | undefined;
    return {
      level: record.level,
      msg: record.msg,
      code: typeof record.code === "string" ? record.code : undefined,
      status: typeof record.status === "number" ? record.status : undefined,
      error:
        typeof error === "string" ? error : typeof error?.message === "string" ? error.message : undefined,
    };
  } catch {
    return undefined; // wrangler's own lines
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readRange(file: string, start: number, end: number): string {
  if (end <= start) return "";
  const buffer = Buffer.alloc(end - start);
  const fd = openSync(file, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8");
}
