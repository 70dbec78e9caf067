/**
 * Whether `name` is an IANA time zone the runtime knows (`Asia/Shanghai`, `UTC`): schedules and activity buckets
 * take one, and a typo must be refused with the field named rather than fail later in cron or SQL.
 *
 * @example
 * isTimeZone('Asia/Shanghai'); // true
 * isTimeZone('Mars/Olympus'); // false
 */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
