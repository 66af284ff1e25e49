/** The `system.*` values the executor injects (004 seed), in the seed's order. */
export const SYSTEM_KEYS: readonly string[] = Object.freeze([
  'local_time',
  'local_time_24h',
  'local_hour_12h',
  'local_hour_24h',
  'local_minute',
  'local_ampm',
  'local_date',
  'local_day_of_week',
  'local_day_of_week_short',
  'local_day_of_month',
  'local_day_ordinal',
  'local_month_name',
  'local_month_name_short',
  'local_month_number',
  'local_year',
  'local_date_long',
  'local_date_friendly',
  'timezone',
]);

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS: Record<string, string> = {
  Sun: 'Sunday',
  Mon: 'Monday',
  Tue: 'Tuesday',
  Wed: 'Wednesday',
  Thu: 'Thursday',
  Fri: 'Friday',
  Sat: 'Saturday',
};

// Building an Intl formatter costs far more than using one; there are few distinct time zones.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    if (formatters.size >= 64) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function ordinal(day: number): string {
  const tens = day % 100;
  if (tens >= 11 && tens <= 13) return `${day}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][day % 10] ?? 'th';
  return `${day}${suffix}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The localized `system` object for `now` in `timeZone` (an IANA name such as "America/New_York").
 * Throws a RangeError for an unknown time zone: settings should be validated, not silently replaced by UTC.
 */
export function buildSystemContext(now: Date, timeZone: string): Record<string, string | number> {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(now)) fields[part.type] = part.value;
  const year = Number(fields.year);
  const month = Number(fields.month);
  const day = Number(fields.day);
  // Some ICU builds still print midnight as "24" under h23.
  const hour24 = Number(fields.hour) % 24;
  const minute = Number(fields.minute);
  const weekdayShort = fields.weekday ?? '';
  const weekday = WEEKDAYS[weekdayShort] ?? weekdayShort;
  const monthName = MONTHS[month - 1] ?? '';
  const hour12 = hour24 % 12 === 0 ? 12 : hour24 % 12;
  const ampm = hour24 < 12 ? 'AM' : 'PM';
  const dayOrdinal = ordinal(day);
  return {
    local_time: `${hour12}:${pad(minute)} ${ampm}`,
    local_time_24h: `${pad(hour24)}:${pad(minute)}`,
    local_hour_12h: String(hour12),
    local_hour_24h: pad(hour24),
    local_minute: pad(minute),
    local_ampm: ampm,
    local_date: `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`,
    local_day_of_week: weekday,
    local_day_of_week_short: weekdayShort,
    local_day_of_month: day,
    local_day_ordinal: dayOrdinal,
    local_month_name: monthName,
    local_month_name_short: monthName.slice(0, 3),
    local_month_number: month,
    local_year: year,
    local_date_long: `${monthName} ${dayOrdinal}, ${year}`,
    local_date_friendly: `${weekday}, ${monthName} ${dayOrdinal}`,
    timezone: timeZone,
  };
}
