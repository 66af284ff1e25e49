import { z } from 'zod';
import { isValidTimeZone } from './shared-schemas.js';
import { defineStepType } from './step-type.js';

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Weekday = (typeof WEEKDAYS)[number];

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday and minute of the day of `at` on the wall clock of `timeZone`. */
export function localClock(at: Date, timeZone: string): { weekday: Weekday; minutes: number; time: string } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((part) => [part.type, part.value]));
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  return {
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
    minutes: hour * 60 + minute,
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
  };
}

const toMinutes = (clock: string) => {
  const [, h, m] = CLOCK.exec(clock)!;
  return Number(h) * 60 + Number(m);
};

const previousDay = (day: Weekday) => WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;

/**
 * Whether `at` falls in the window. A window that crosses midnight (22:00–06:00) belongs to the day it
 * starts on: with days [fri], Saturday 02:00 is inside ("Friday night"), Friday 02:00 is not.
 */
export function inWindow(
  at: { weekday: Weekday; minutes: number },
  window: { start?: string; end?: string; days: readonly Weekday[] },
): boolean {
  const days = new Set(window.days);
  if (!window.start || !window.end) return days.has(at.weekday);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (start < end) return days.has(at.weekday) && at.minutes >= start && at.minutes < end;
  if (at.minutes >= start) return days.has(at.weekday);
  return at.minutes < end && days.has(previousDay(at.weekday));
}

const clockTime = (what: string) =>
  z.string().regex(CLOCK, 'a local time as HH:MM (24-hour), e.g. 06:00').describe(what);

export default defineStepType({
  type: 'time_window',
  category: 'condition',
  title: 'Time window',
  description:
    'Continues on “inside” between two local times (across midnight too) on the chosen weekdays, in the flow’s time zone, and on “outside” otherwise — “never wake her at night” without an expression.',
  configSchema: z
    .object({
      start: clockTime('From, e.g. 06:00').optional(),
      end: clockTime('Until (not included), e.g. 22:00; earlier than start crosses midnight').optional(),
      days: z
        .array(z.enum(WEEKDAYS))
        .min(1)
        .max(7)
        .default([...WEEKDAYS])
        .describe('Weekdays the window is open on (a window past midnight counts for the day it starts)'),
      timezone: z.string().optional().describe('IANA time zone; the flow’s (KINFLOW_TIMEZONE) when empty'),
    })
    .strict()
    .refine((c) => !c.start === !c.end, {
      message: 'set both start and end, or neither (then only the weekdays count)',
      path: ['end'],
    })
    .refine((c) => !c.start || c.start !== c.end, {
      message: 'start and end are the same; leave both out for the whole day',
      path: ['end'],
    }),
  ports: [
    { name: 'inside', label: 'Inside', description: 'The time is in the window.' },
    { name: 'outside', label: 'Outside', description: 'The time is outside the window.' },
  ],
  check: (config) =>
    config.timezone && !isValidTimeZone(config.timezone)
      ? [{ field: 'timezone', message: `unknown time zone "${config.timezone}"` }]
      : [],
  writes: () => ['inside'],
  run: ({ config, data, now }) => {
    const system = data.system as { timezone?: unknown } | undefined;
    const timezone = config.timezone || (typeof system?.timezone === 'string' ? system.timezone : 'UTC');
    const clock = localClock(now(), timezone);
    const inside = inWindow(clock, config);
    return {
      output: { inside, localTime: clock.time, weekday: clock.weekday, timezone },
      ports: [inside ? 'inside' : 'outside'],
    };
  },
});
