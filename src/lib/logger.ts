export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const SENSITIVE_KEY = /pass(word)?|secret|token|authorization|cookie|hash/i;

type LineLevel = Exclude<LogLevel, "silent">;
export type LogSink = (line: string, level: LineLevel) => void;

/**
 * The console method of the line's level: Workers Logs, `wrangler tail` and `wrangler dev
 * --log-level warn` file a `console.log` as a plain log, so a warning or an error written with it
 * could not be filtered as one (nor kept when only warnings are).
 */
export const consoleSink: LogSink = (line, level) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

/** One JSON object per line, which both Node (its own sink, src/node/log-sink.ts) and Workers Logs collect. */
export function createLogger(level: LogLevel, sink: LogSink = consoleSink, bound: LogFields = {}): Logger {
  const threshold = SEVERITY[level];
  const write = (lineLevel: LineLevel, message: string, fields?: LogFields) => {
    if (SEVERITY[lineLevel] < threshold) return;
    const record = { time: new Date().toISOString(), level: lineLevel, msg: message, ...bound, ...fields };
    sink(JSON.stringify(record, redactSensitive), lineLevel);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger(level, sink, { ...bound, ...fields }),
  };
}

// A last line of defence: callers should not pass secrets, but a key that looks like one is masked.
function redactSensitive(key: string, value: unknown): unknown {
  if (key && SENSITIVE_KEY.test(key) && value !== null && typeof value !== "object") return "[redacted]";
  if (value instanceof Error) return describeError(value);
  return value;
}

/**
 * Drizzle's query errors read "Failed query: <sql>\nparams: <values>" and Upstash's "<error>,
 * command was: <command and arguments>"; the values can be password hashes, event payloads or
 * personal data: only the SQL text or Redis error, the frames and the driver's cause remain.
 */
function describeError(error: Error, depth = 0): Record<string, unknown> {
  const withoutParams = (text: string) =>
    text.replace(/\nparams:[\s\S]*$/, "").replace(/, command was: [\s\S]*$/, "");
  const frames = error.stack?.split("\n").filter((line) => line.trimStart().startsWith("at "));
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error && depth < 3 ? describeError(error.cause, depth + 1) : undefined;
  return {
    name: error.name,
    message: withoutParams(error.message),
    ...(typeof code === "string" ? { code } : {}),
    ...(frames?.length ? { stack: frames.join("\n") } : {}),
    ...(cause ? { cause } : {}),
  };
}
