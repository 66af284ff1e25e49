const ORDINAL: Record<string, string> = { one: 'st', two: 'nd', few: 'rd', other: 'th' };

/** "Sunday, March 29th" in English; the locale's own long date elsewhere. */
export function friendlyDate(date: Date, locale: string): string {
  if (!locale.toLowerCase().startsWith('en')) {
    return new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long' }).format(date);
  }
  const weekday = new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(date);
  const month = new Intl.DateTimeFormat(locale, { month: 'long' }).format(date);
  const day = date.getDate();
  const suffix = ORDINAL[new Intl.PluralRules('en', { type: 'ordinal' }).select(day)] ?? 'th';
  return `${weekday}, ${month} ${day}${suffix}`;
}

export function clockTime(date: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(date);
}
