import { describe, expect, it } from 'vitest';
import type { Activity, ActivityFilter } from '../activities/store.js';
import verification from './verification.js';

/** An in-memory stand-in for the store, applying the same filter the SQL does. */
function storeOf(activities: Array<Partial<Activity> & { type: string; occurredAt: Date }>) {
  const filters: ActivityFilter[] = [];
  return {
    filters,
    list(filter: ActivityFilter) {
      filters.push(filter);
      const rows = activities
        .map((a) => ({ person: null, room: null, confidence: 0.8, ...a }) as Activity)
        .filter(
          (a) =>
            (!filter.types || filter.types.includes(a.type)) &&
            (!filter.person || a.person?.toLowerCase() === filter.person.toLowerCase()) &&
            a.occurredAt >= filter.since! &&
            a.occurredAt <= filter.until! &&
            a.confidence >= (filter.minConfidence ?? 0),
        )
        .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime());
      return { rows: rows.slice(0, 1), total: rows.length };
    },
  };
}

function run(
  config: Record<string, unknown>,
  store: ReturnType<typeof storeOf>,
  iso: string,
  zone = 'Europe/Berlin',
) {
  return verification.run!({
    config: verification.configSchema.parse(config),
    data: { system: { timezone: zone } },
    services: { activities: store },
    now: () => new Date(iso),
  } as never) as { output: { verification: any }; ports: string[] };
}

describe('verification', () => {
  const lunch = { type: 'meal_lunch', person: 'grandma', occurredAt: new Date('2026-07-01T10:30:00Z') }; // 12:30 Berlin

  it('checks a wall-clock window today in the flow’s time zone', () => {
    const store = storeOf([lunch]);
    const config = {
      conditions: [{ activityType: 'meal_lunch', person: 'grandma' }],
      windowStart: '11:00',
      windowEnd: '14:00',
    };
    const result = run(config, store, '2026-07-01T12:00:00Z');
    expect(result.ports).toEqual(['verified']);
    expect(store.filters[0]).toMatchObject({
      since: new Date('2026-07-01T09:00:00Z'),
      until: new Date('2026-07-01T12:00:00Z'),
      minConfidence: 0.5,
    });
    // The next day the same window is empty again.
    expect(run(config, storeOf([lunch]), '2026-07-02T12:00:00Z').ports).toEqual(['not_verified']);
  });

  it('a window ending before it starts began yesterday', () => {
    const sleep = { type: 'sleep', occurredAt: new Date('2026-06-30T21:30:00Z') }; // 23:30 Berlin, the day before
    const store = storeOf([sleep]);
    const result = run(
      { conditions: [{ activityType: 'sleep', windowStart: '22:00', windowEnd: '07:00' }] },
      store,
      '2026-07-01T05:30:00Z',
    );
    expect(result.ports).toEqual(['verified']);
    expect(store.filters[0]!.since).toEqual(new Date('2026-06-30T20:00:00Z'));
  });

  it('completed: false holds when nothing happened; any needs one condition, all needs each', () => {
    const store = storeOf([lunch]);
    const conditions = [
      { activityType: 'meal_lunch', withinMinutes: 120 },
      { activityType: 'fall', completed: false, withinMinutes: 120 },
      { activityType: 'medication', withinMinutes: 120 },
    ];
    const all = run({ conditions }, store, '2026-07-01T11:00:00Z');
    expect(all.ports).toEqual(['not_verified']);
    expect(all.output.verification.matchedConditions.map((c: any) => c.activityType)).toEqual([
      'meal_lunch',
      'fall',
    ]);
    expect(all.output.verification.unmatchedConditions.map((c: any) => c.activityType)).toEqual([
      'medication',
    ]);
    expect(run({ conditions, matchMode: 'any' }, store, '2026-07-01T11:00:00Z').ports).toEqual(['verified']);
    // Too long ago for withinMinutes.
    expect(run({ conditions: conditions.slice(0, 1) }, store, '2026-07-01T13:00:00Z').ports).toEqual([
      'not_verified',
    ]);
  });

  it('needs a window for every condition', () => {
    expect(verification.configSchema.safeParse({ conditions: [{ activityType: 'x' }] }).success).toBe(false);
    expect(
      verification.configSchema.safeParse({ conditions: [{ activityType: 'x', windowStart: '11:00' }] })
        .success,
    ).toBe(false);
    expect(
      verification.configSchema.safeParse({ conditions: [{ activityType: 'x' }], withinMinutes: 30 }).success,
    ).toBe(true);
  });
});
