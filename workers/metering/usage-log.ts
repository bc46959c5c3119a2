/**
 * How metering reports what went wrong: one JSON line per event, in the same shape as
 * the app's other logs. Lines carry the usage event (ids and counts, nothing secret)
 * so a lost event can be re-applied by hand, and only a short summary of an error,
 * since client errors quote the command they failed on.
 */
export type UsageLogLevel = "warn" | "error";
export type UsageLog = (
  level: UsageLogLevel,
  message: string,
  fields: Record<string, unknown>,
) => void;

export const consoleUsageLog: UsageLog = (level, message, fields) => {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "error") console.error(line);
  else console.warn(line);
};

export function errorSummary(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
