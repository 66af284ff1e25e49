import { describe, expect, it } from 'vitest';
import { relativeTime } from './relative-time';

const now = Date.parse('2025-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

describe('relativeTime', () => {
  it.each([
    [10, 'just now'],
    [50, '1 minute ago'],
    [5 * 60, '5 minutes ago'],
    [90 * 60, '2 hours ago'],
    [30 * 3600, 'yesterday'],
    [10 * 86400, 'last week'],
    [40 * 86400, 'last month'],
    [400 * 86400, 'last year'],
  ])('%i seconds ago reads "%s"', (seconds, expected) => {
    expect(relativeTime(ago(seconds), now)).toBe(expected);
  });

  it('handles the future and nonsense', () => {
    expect(relativeTime(new Date(now + 3 * 3600 * 1000).toISOString(), now)).toBe('in 3 hours');
    expect(relativeTime('not a date', now)).toBe('at an unknown time');
  });
});
