import { afterEach, describe, expect, it } from 'vitest';
import type { TriggerFire } from './fire.js';
import { ScheduleTriggers } from './schedules.js';
import { MemoryTriggerState } from './test-state.js';

let now = new Date('2026-03-02T08:59:30Z');
const fired: TriggerFire[] = [];
let schedules: ScheduleTriggers | undefined;

function make(state = new MemoryTriggerState()) {
  schedules = new ScheduleTriggers({
    state,
    clock: () => now,
    fire: (fire) => fired.push(fire),
    onError: (error) => {
      throw error;
    },
  });
  return { schedules, state };
}

afterEach(() => {
  schedules?.stop();
  fired.length = 0;
  now = new Date('2026-03-02T08:59:30Z');
});

const NINE_BERLIN = { cron: '0 9 * * *', timezone: 'Europe/Berlin' };

describe('schedule triggers', () => {
  it('fires once when due, in the step’s time zone, however often the tick runs', () => {
    const { schedules } = make();
    schedules.saveFlow('f1', [{ stepKey: 'morning', config: { cron: '0 9 * * *', timezone: 'UTC' } }]);
    expect(schedules.tick()).toBe(0);
    now = new Date('2026-03-02T09:00:00.010Z');
    expect(schedules.tick()).toBe(1);
    expect(schedules.tick()).toBe(0);
    expect(fired).toEqual([
      {
        flowId: 'f1',
        triggerStepKey: 'morning',
        triggerType: 'schedule',
        payload: {
          scheduled_at: '2026-03-02T09:00:00.000Z',
          cron: '0 9 * * *',
          timezone: 'UTC',
          late: false,
        },
      },
    ]);
    // 09:00 in Berlin is 08:00 UTC in winter: that one is not due until the next day.
    schedules.saveFlow('f2', [{ stepKey: 'berlin', config: NINE_BERLIN }]);
    expect(
      schedules
        .nextRuns()
        .find((r) => r.flowId === 'f2')
        ?.nextRun?.toISOString(),
    ).toBe('2026-03-03T08:00:00.000Z');
  });

  it('fires the latest due run once after a stall instead of a burst', () => {
    const { schedules } = make();
    schedules.saveFlow('f1', [{ stepKey: 'every_minute', config: { cron: '* * * * *', timezone: 'UTC' } }]);
    now = new Date('2026-03-02T09:05:10Z');
    expect(schedules.tick()).toBe(1);
    expect(fired[0]?.payload.scheduled_at).toBe('2026-03-02T09:05:00.000Z');
  });

  it('at boot, catches up one missed run within the grace, marked late', () => {
    const state = new MemoryTriggerState();
    make(state).schedules.saveFlow('f1', [{ stepKey: 'pills', config: NINE_BERLIN }]);
    schedules!.stop();
    // The server was down from 08:59:30 UTC; it comes back at 08:10 UTC the next day (09:10 Berlin).
    now = new Date('2026-03-03T08:10:00Z');
    make(state).schedules.saveFlow('f1', [{ stepKey: 'pills', config: NINE_BERLIN }], true);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.payload).toMatchObject({ scheduled_at: '2026-03-03T08:00:00.000Z', late: true });
    expect(schedules!.tick()).toBe(0);
  });

  it('at boot, skips missed runs older than the grace', () => {
    const state = new MemoryTriggerState();
    make(state).schedules.saveFlow('f1', [{ stepKey: 'pills', config: NINE_BERLIN }]);
    schedules!.stop();
    now = new Date('2026-03-03T11:00:00Z');
    make(state).schedules.saveFlow('f1', [{ stepKey: 'pills', config: NINE_BERLIN }], true);
    expect(fired).toHaveLength(0);
    expect(schedules!.tick()).toBe(0);
    expect(schedules!.nextRuns()[0]?.nextRun?.toISOString()).toBe('2026-03-04T08:00:00.000Z');
  });

  it('does not catch up a schedule whose cron changed while the server was down', () => {
    const state = new MemoryTriggerState();
    make(state).schedules.saveFlow('f1', [{ stepKey: 'pills', config: NINE_BERLIN }]);
    schedules!.stop();
    now = new Date('2026-03-03T08:10:00Z');
    make(state).schedules.saveFlow(
      'f1',
      [{ stepKey: 'pills', config: { ...NINE_BERLIN, cron: '5 9 * * *' } }],
      true,
    );
    expect(fired).toHaveLength(0);
  });

  it('fires from its own timer without waiting for a tick', async () => {
    const live = new ScheduleTriggers({
      state: new MemoryTriggerState(),
      clock: () => new Date(),
      fire: (fire) => fired.push(fire),
      onError: (error) => {
        throw error;
      },
    });
    live.saveFlow('f1', [{ stepKey: 'every_second', config: { cron: '* * * * * *', timezone: 'UTC' } }]);
    for (let i = 0; i < 100 && fired.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 30));
    live.stop();
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired[0]?.triggerStepKey).toBe('every_second');
  });

  it('forgets a flow’s schedules when the flow is deleted', () => {
    const { schedules } = make();
    schedules.saveFlow('f1', [{ stepKey: 'morning', config: { cron: '0 9 * * *', timezone: 'UTC' } }]);
    schedules.deleteFlow('f1');
    now = new Date('2026-03-02T09:00:01Z');
    expect(schedules.tick()).toBe(0);
    expect(schedules.nextRuns()).toEqual([]);
  });
});
