import { describe, expect, it } from 'vitest';
import timeWindow, { inWindow, localClock } from './time-window.js';

/** Runs the step at `iso` with the flow's time zone `zone`. */
function run(config: Record<string, unknown>, iso: string, zone = 'Europe/London') {
  const parsed = timeWindow.configSchema.parse(config);
  return timeWindow.run!({
    config: parsed,
    data: { system: { timezone: zone } },
    now: () => new Date(iso),
  } as never) as { output: Record<string, unknown>; ports: string[] };
}

describe('time_window', () => {
  it('is inside between two local times, end excluded, in the flow’s time zone', () => {
    const day = { start: '06:00', end: '22:00' };
    // 05:59 and 22:00 London time in summer (UTC+1).
    expect(run(day, '2026-07-01T04:59:00Z').ports).toEqual(['outside']);
    expect(run(day, '2026-07-01T05:00:00Z')).toMatchObject({
      ports: ['inside'],
      output: { inside: true, localTime: '06:00', weekday: 'wed', timezone: 'Europe/London' },
    });
    expect(run(day, '2026-07-01T21:00:00Z').ports).toEqual(['outside']);
    // The same instant in New York is 01:00: outside.
    expect(run(day, '2026-07-01T05:00:00Z', 'America/New_York').output.localTime).toBe('01:00');
    expect(run(day, '2026-07-01T05:00:00Z', 'America/New_York').ports).toEqual(['outside']);
    // A time zone in the config wins over the flow's.
    expect(run({ ...day, timezone: 'Asia/Tokyo' }, '2026-07-01T05:00:00Z').output.localTime).toBe('14:00');
  });

  it('crosses midnight, the night belonging to the day it starts on', () => {
    const night = { start: '22:00', end: '06:00', days: ['fri'] };
    expect(run(night, '2026-07-03T21:30:00Z').output).toMatchObject({ weekday: 'fri', inside: true }); // Fri 22:30
    expect(run(night, '2026-07-04T01:00:00Z').output).toMatchObject({ weekday: 'sat', inside: true }); // Sat 02:00
    expect(run(night, '2026-07-04T05:00:00Z').output.inside).toBe(false); // Sat 06:00
    expect(run(night, '2026-07-03T01:00:00Z').output.inside).toBe(false); // Fri 02:00 is Thursday's night
    expect(inWindow({ weekday: 'sun', minutes: 0 }, { start: '23:00', end: '00:30', days: ['sat'] })).toBe(
      true,
    );
  });

  it('with no times only the weekdays count', () => {
    const weekend = { days: ['sat', 'sun'] };
    expect(run(weekend, '2026-07-04T12:00:00Z').ports).toEqual(['inside']);
    expect(run(weekend, '2026-07-06T12:00:00Z').ports).toEqual(['outside']);
  });

  it('reads the wall clock across a daylight saving change', () => {
    // London moves from UTC+1 to UTC on 25 October 2026 at 02:00 local.
    expect(localClock(new Date('2026-10-24T23:30:00Z'), 'Europe/London').time).toBe('00:30');
    expect(localClock(new Date('2026-10-25T23:30:00Z'), 'Europe/London').time).toBe('23:30');
  });

  it('refuses half a window, an empty one and an unknown time zone at save time', () => {
    expect(timeWindow.configSchema.safeParse({ start: '06:00' }).success).toBe(false);
    expect(timeWindow.configSchema.safeParse({ start: '06:00', end: '06:00' }).success).toBe(false);
    expect(timeWindow.configSchema.safeParse({ start: '6am', end: '22:00' }).success).toBe(false);
    expect(timeWindow.configSchema.safeParse({ days: [] }).success).toBe(false);
    expect(timeWindow.check!(timeWindow.configSchema.parse({ timezone: 'Mars/Olympus' }))).toEqual([
      { field: 'timezone', message: 'unknown time zone "Mars/Olympus"' },
    ]);
  });
});
