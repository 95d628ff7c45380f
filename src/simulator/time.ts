/**
 * Wire time formats. UQPay's examples carry +08:00 (Singapore), so the simulator renders
 * timestamps in that offset: ISO-8601 with offset for most fields, and the odd
 * "yyyy-mm-dd HH:MM:SS" (no T, no offset) for the cardholder create_time.
 */
const OFFSET_MS = 8 * 3600_000;

function parts(ms: number) {
  const d = new Date(ms + OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, "0");
  return {
    date: `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`,
  };
}

export function isoTime(ms: number): string {
  const { date, time } = parts(ms);
  return `${date}T${time}+08:00`;
}

export function plainTime(ms: number): string {
  const { date, time } = parts(ms);
  return `${date} ${time}`;
}

/** Parse a query time: ISO-8601 or the plain format (taken as +08:00). */
export function parseTime(s: string): number | undefined {
  const plain = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)
    ? `${s.replace(" ", "T")}+08:00`
    : s;
  const ms = Date.parse(plain);
  return Number.isNaN(ms) ? undefined : ms;
}
