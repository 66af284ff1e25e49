const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "5 minutes ago", "yesterday", "just now": coarse on purpose, a list needs no second-level detail. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'at an unknown time';
  const seconds = (then - now) / 1000;
  if (Math.abs(seconds) < 45) return 'just now';
  const [unit, size] = UNITS.find(([, size]) => Math.abs(seconds) >= size) ?? ['minute', 60];
  // Math.round(-1.5) is -1; rounding the magnitude keeps past and future symmetric.
  const amount = Math.sign(seconds) * Math.round(Math.abs(seconds) / size);
  return format.format(amount, unit);
}
