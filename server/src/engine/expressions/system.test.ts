import { describe, expect, it } from 'vitest';
import { buildSystemContext, SYSTEM_KEYS } from './index.js';
import { ordinal } from './system.js';

describe('buildSystemContext', () => {
  it('matches the 004 seed for 2026-03-29T12:42:00Z in America/New_York', () => {
    expect(buildSystemContext(new Date('2026-03-29T12:42:00Z'), 'America/New_York')).toEqual({
      local_time: '8:42 AM',
      local_time_24h: '08:42',
      local_hour_12h: '8',
      local_hour_24h: '08',
      local_minute: '42',
      local_ampm: 'AM',
      local_date: '2026-03-29',
      local_day_of_week: 'Sunday',
      local_day_of_week_short: 'Sun',
      local_day_of_month: 29,
      local_day_ordinal: '29th',
      local_month_name: 'March',
      local_month_name_short: 'Mar',
      local_month_number: 3,
      local_year: 2026,
      local_date_long: 'March 29th, 2026',
      local_date_friendly: 'Sunday, March 29th',
      timezone: 'America/New_York',
    });
  });

  it('produces exactly SYSTEM_KEYS', () => {
    expect(Object.keys(buildSystemContext(new Date(), 'UTC'))).toEqual([...SYSTEM_KEYS]);
  });

  it('handles midnight, noon, the date line and DST', () => {
    const midnight = buildSystemContext(new Date('2026-01-01T05:00:00Z'), 'America/New_York');
    expect(midnight).toMatchObject({ local_time: '12:00 AM', local_time_24h: '00:00', local_hour_12h: '12' });
    expect(midnight.local_date_long).toBe('January 1st, 2026');
    const noon = buildSystemContext(new Date('2026-07-04T16:05:00Z'), 'America/New_York');
    expect(noon).toMatchObject({
      local_time: '12:05 PM',
      local_ampm: 'PM',
      local_date_friendly: 'Saturday, July 4th',
    });
    const tokyo = buildSystemContext(new Date('2026-03-29T23:30:00Z'), 'Asia/Tokyo');
    expect(tokyo).toMatchObject({
      local_date: '2026-03-30',
      local_day_of_week: 'Monday',
      local_time: '8:30 AM',
    });
  });

  it('rejects an unknown time zone', () => {
    expect(() => buildSystemContext(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('ordinal', () => {
  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [22, '22nd'],
    [23, '23rd'],
    [29, '29th'],
    [31, '31st'],
  ])('%i → %s', (day, expected) => {
    expect(ordinal(day)).toBe(expected);
  });
});
