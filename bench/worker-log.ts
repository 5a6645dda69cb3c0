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
      const key = `${record.level}: ${record.msg}${record.code ? ` (${record.code})` : ""}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };
}

function appRecordIn(line: string): { level: string; msg: string; code?: string } | undefined {
  const start = line.indexOf("{");
  if (start < 0) return undefined;
  try {
    const record = JSON.parse(line.slice(start)) as Record<string, unknown>;
    if (typeof record.level !== "string" || typeof record.msg !== "string") return undefined;
    return {
      level: record.level,
      msg: record.msg,
      code: typeof record.code === "string" ? record.code : undefined,
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
