import { describe, expect, it } from 'vitest';
import { cronPreview, missedRunDecision, nextRunAfter } from './cron.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
/** Wall-clock time in a zone with its UTC offset, e.g. "2026-03-29 03:30 GMT+2". */
function wall(d: Date, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  });
  const p = Object.fromEntries(format.formatToParts(d).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

describe('cronPreview', () => {
  it('describes the expression and lists the next 5 runs in the time zone', () => {
    const preview = cronPreview('0 9 * * *', 'Europe/Berlin', 5, new Date('2026-01-10T12:00:00Z'));
    expect(preview).toMatchObject({ valid: true, description: 'At 09:00 AM', timezone: 'Europe/Berlin' });
    expect(iso(preview.nextRuns)).toEqual([
      '2026-01-11T08:00:00.000Z',
      '2026-01-12T08:00:00.000Z',
      '2026-01-13T08:00:00.000Z',
      '2026-01-14T08:00:00.000Z',
      '2026-01-15T08:00:00.000Z',
    ]);
  });

  it('the same expression means a different instant in each zone', () => {
    const from = new Date('2026-07-01T00:00:00Z');
    const first = (tz: string) => cronPreview('0 9 * * *', tz, 1, from).nextRuns[0]!.toISOString();
    expect(first('UTC')).toBe('2026-07-01T09:00:00.000Z');
    expect(first('Europe/Berlin')).toBe('2026-07-01T07:00:00.000Z'); // CEST, UTC+2
    expect(first('America/New_York')).toBe('2026-07-01T13:00:00.000Z'); // EDT, UTC-4
    expect(first('Asia/Kolkata')).toBe('2026-07-01T03:30:00.000Z'); // UTC+5:30
  });

  it('lists the runs as local time with the offset in effect, across a DST change', () => {
    const preview = cronPreview('30 3 * * *', 'Europe/Berlin', 3, new Date('2026-03-27T12:00:00Z'));
    expect(preview.nextRunsLocal).toEqual([
      '2026-03-28T03:30:00+01:00',
      '2026-03-29T03:30:00+02:00',
      '2026-03-30T03:30:00+02:00',
    ]);
    expect(iso(preview.nextRuns)).toEqual([
      '2026-03-28T02:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T01:30:00.000Z',
    ]);
    const kolkata = cronPreview('0 9 * * *', 'Asia/Kolkata', 1, new Date('2026-07-01T00:00:00Z'));
    expect(kolkata.nextRunsLocal).toEqual(['2026-07-01T09:00:00+05:30']);
    const newYork = cronPreview('0 9 * * *', 'America/New_York', 1, new Date('2026-07-01T00:00:00Z'));
    expect(newYork.nextRunsLocal).toEqual(['2026-07-01T09:00:00-04:00']);
  });

  it('weekday and seconds forms, with their descriptions', () => {
    const weekdays = cronPreview('30 7 * * 1-5', 'UTC', 3, new Date('2026-01-09T08:00:00Z')); // a Friday
    expect(weekdays.description).toBe('At 07:30 AM, Monday through Friday');
    expect(iso(weekdays.nextRuns)).toEqual([
      '2026-01-12T07:30:00.000Z',
      '2026-01-13T07:30:00.000Z',
      '2026-01-14T07:30:00.000Z',
    ]);
    const seconds = cronPreview('*/20 * * * * *', 'UTC', 3, new Date('2026-01-01T00:00:00Z'));
    expect(seconds.description).toBe('Every 20 seconds');
    expect(iso(seconds.nextRuns)).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('reports invalid expressions and time zones instead of throwing', () => {
    expect(cronPreview('61 9 * * *', 'UTC')).toMatchObject({ valid: false, nextRuns: [], description: '' });
    expect(cronPreview('61 9 * * *', 'UTC').error).toMatch(/invalid cron expression/);
    expect(cronPreview('not cron', 'UTC').valid).toBe(false);
    expect(cronPreview('', 'UTC').error).toBe('cron expression is empty');
    expect(cronPreview('0 9 * * *', 'Mars/Olympus').error).toBe('unknown time zone "Mars/Olympus"');
  });

  it('a valid expression that never matches has no runs', () => {
    expect(cronPreview('0 0 31 2 *', 'UTC')).toMatchObject({ valid: true, nextRuns: [] });
  });
});

describe('DST in Europe/Berlin with 30 2 * * *', () => {
  const tz = 'Europe/Berlin';

  it('spring forward (2026-03-29): 02:30 does not exist, the run happens once, at 03:30 CEST', () => {
    const runs = cronPreview('30 2 * * *', tz, 3, new Date('2026-03-27T12:00:00Z')).nextRuns;
    expect(runs.map((d) => wall(d, tz))).toEqual([
      '2026-03-28 02:30 GMT+1',
      '2026-03-29 03:30 GMT+2',
      '2026-03-30 02:30 GMT+2',
    ]);
    // 24 real hours after the day before's run (the clock jumped, the run did not).
    expect(runs[1]!.getTime() - runs[0]!.getTime()).toBe(24 * 3600_000);
  });

  it('fall back (2026-10-25): 02:30 happens twice, the run happens once, at the second (CET)', () => {
    const runs = cronPreview('30 2 * * *', tz, 3, new Date('2026-10-23T12:00:00Z')).nextRuns;
    expect(runs.map((d) => wall(d, tz))).toEqual([
      '2026-10-24 02:30 GMT+2',
      '2026-10-25 02:30 GMT+1',
      '2026-10-26 02:30 GMT+1',
    ]);
    expect(iso(runs)[1]).toBe('2026-10-25T01:30:00.000Z');
  });

  it('a 09:00 schedule stays at 09:00 wall time across both changes', () => {
    const spring = cronPreview('0 9 * * *', tz, 2, new Date('2026-03-28T12:00:00Z')).nextRuns;
    expect(spring.map((d) => wall(d, tz))).toEqual(['2026-03-29 09:00 GMT+2', '2026-03-30 09:00 GMT+2']);
    const autumn = cronPreview('0 9 * * *', tz, 2, new Date('2026-10-24T12:00:00Z')).nextRuns;
    expect(autumn.map((d) => wall(d, tz))).toEqual(['2026-10-25 09:00 GMT+1', '2026-10-26 09:00 GMT+1']);
  });

  it('America/New_York spring forward (2026-03-08): 02:30 runs at 03:30 EDT', () => {
    const runs = cronPreview('30 2 * * *', 'America/New_York', 2, new Date('2026-03-07T12:00:00Z')).nextRuns;
    expect(runs.map((d) => wall(d, 'America/New_York'))).toEqual([
      '2026-03-08 03:30 GMT-4',
      '2026-03-09 02:30 GMT-4',
    ]);
  });

  it('the answer does not depend on when it is asked (croner alone skips from inside the change)', () => {
    // Asked at 03:10 CEST on the spring day: the day's (shifted) run at 03:30 is still ahead.
    expect(nextRunAfter('30 2 * * *', tz, new Date('2026-03-29T01:10:00Z'))?.toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // Asked at 02:40 CEST on the autumn night: the CET 02:30 is still ahead.
    expect(nextRunAfter('30 2 * * *', tz, new Date('2026-10-25T00:40:00Z'))?.toISOString()).toBe(
      '2026-10-25T01:30:00.000Z',
    );
    const preview = cronPreview('30 2 * * *', tz, 2, new Date('2026-03-29T01:10:00Z')).nextRuns;
    expect(iso(preview)).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('documents croner: an hourly schedule on the fall-back night runs 02:00 only once (the CET one)', () => {
    // Kept as a test so a croner upgrade that changes this is noticed.
    const runs = cronPreview('0 * * * *', tz, 3, new Date('2026-10-24T22:30:00Z')).nextRuns;
    expect(runs.map((d) => wall(d, tz))).toEqual([
      '2026-10-25 01:00 GMT+2',
      '2026-10-25 02:00 GMT+1',
      '2026-10-25 03:00 GMT+1',
    ]);
  });
});

describe('nextRunAfter', () => {
  it('is strictly after the given time', () => {
    expect(nextRunAfter('0 9 * * *', 'UTC', new Date('2026-01-01T09:00:00Z'))?.toISOString()).toBe(
      '2026-01-02T09:00:00.000Z',
    );
    expect(nextRunAfter('0 9 * * *', 'UTC', new Date('2026-01-01T08:59:59.500Z'))?.toISOString()).toBe(
      '2026-01-01T09:00:00.000Z',
    );
  });

  it('throws on an invalid expression', () => {
    expect(() => nextRunAfter('nope', 'UTC', new Date())).toThrow(/invalid cron expression/);
  });
});

describe('missedRunDecision (one late run within the grace window, else skip)', () => {
  const tz = 'Europe/Berlin';
  const daily9 = '0 9 * * *'; // 08:00Z in winter
  const at = (s: string) => new Date(s);
  const grace = 15 * 60_000;

  it('fires once, late, when the most recent due time is within the grace', () => {
    const d = missedRunDecision(at('2026-01-09T08:00:05Z'), at('2026-01-10T08:10:00Z'), daily9, tz, grace);
    expect(d).toEqual({
      action: 'fire-late',
      late: true,
      dueAt: at('2026-01-10T08:00:00Z'),
      nextRun: at('2026-01-11T08:00:00Z'),
    });
  });

  it('skips when the miss is older than the grace, and schedules the next run', () => {
    const d = missedRunDecision(at('2026-01-09T08:00:05Z'), at('2026-01-10T08:20:00Z'), daily9, tz, grace);
    expect(d).toEqual({
      action: 'skip',
      late: false,
      missedSince: at('2026-01-10T08:00:00Z'),
      nextRun: at('2026-01-11T08:00:00Z'),
    });
  });

  it('many missed runs still give at most one late run (the most recent)', () => {
    const every5 = '*/5 * * * *';
    const d = missedRunDecision(at('2026-01-10T06:00:00Z'), at('2026-01-10T08:07:00Z'), every5, tz, grace);
    expect(d).toMatchObject({
      action: 'fire-late',
      dueAt: at('2026-01-10T08:05:00Z'),
      nextRun: at('2026-01-10T08:10:00Z'),
    });
  });

  it('nothing to do when the last fire is the most recent due time', () => {
    const d = missedRunDecision(
      at('2026-01-10T08:00:00.250Z'),
      at('2026-01-10T08:05:00Z'),
      daily9,
      tz,
      grace,
    );
    expect(d).toEqual({ action: 'none', late: false, nextRun: at('2026-01-11T08:00:00Z') });
  });

  it('a schedule without history (lastFiredAt null) never catches up', () => {
    expect(missedRunDecision(null, at('2026-01-10T08:05:00Z'), daily9, tz, grace)).toMatchObject({
      action: 'none',
    });
  });

  it('exactly at the grace boundary is too late', () => {
    const d = missedRunDecision(at('2026-01-09T08:00:00Z'), at('2026-01-10T08:15:00Z'), daily9, tz, grace);
    expect(d.action).toBe('skip');
  });

  it('works across the DST change: the 02:30 run on 2026-03-29 was due at 03:30 CEST', () => {
    const d = missedRunDecision(
      at('2026-03-28T01:30:00Z'),
      at('2026-03-29T01:40:00Z'),
      '30 2 * * *',
      tz,
      grace,
    );
    expect(d).toMatchObject({ action: 'fire-late', dueAt: at('2026-03-29T01:30:00Z') });
  });

  it('throws on an invalid expression (the caller validated it at save time)', () => {
    expect(() => missedRunDecision(new Date(), new Date(), 'bad', 'UTC')).toThrow();
  });
});
