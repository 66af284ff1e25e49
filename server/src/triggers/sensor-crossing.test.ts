import { describe, expect, it } from 'vitest';
import type { ComparisonOperator } from '../steps/shared-schemas.js';
import {
  SensorCrossingEvaluator,
  rearms,
  type SensorNode,
  type SensorTrigger,
  type SensorTriggerConfig,
} from './sensor-crossing.js';

const kitchen: SensorNode = {
  id: 'n-kitchen',
  name: 'Kitchen',
  kind: 'sensor',
  tags: ['kitchen', 'climate'],
};
const hall: SensorNode = { id: 'n-hall', name: 'Hall', kind: 'sensor', tags: ['hall'] };
const gateway: SensorNode = { id: 'n-gw', name: 'Gateway', kind: 'gateway', tags: ['kitchen'] };

function harness(config: Partial<SensorTriggerConfig> = {}) {
  let now = Date.parse('2026-05-01T12:00:00Z');
  const evaluator = new SensorCrossingEvaluator({ clock: () => new Date(now) });
  const trigger: SensorTrigger = {
    flowId: 'f1',
    stepKey: 'hot',
    config: { metric: 'temperature', operator: '>', value: 30, ...config },
  };
  const feed = (value: number, node: SensorNode = kitchen, metric = 'temperature') =>
    evaluator.evaluate(trigger, { node, metric, value, recordedAt: new Date(now) });
  /** Which of the values fire, as a string of 1/0 per reading. */
  const run = (values: number[], node?: SensorNode) =>
    values.map((v) => (feed(v, node) ? '1' : '0')).join('');
  const advance = (seconds: number) => (now += seconds * 1000);
  return { evaluator, trigger, feed, run, advance, now: () => new Date(now) };
}

describe('sensor_value crossing', () => {
  it('fires on entering, not while staying, and again after leaving and re-entering', () => {
    const { run } = harness();
    expect(run([25, 31, 32, 35, 29, 31, 31])).toBe('0100010');
  });

  it('counts the first reading inside the condition as a crossing when nothing was known', () => {
    expect(harness().run([31, 32])).toBe('10');
  });

  it.each<[ComparisonOperator, number[], string]>([
    ['>', [30, 31, 31, 30, 31], '01001'],
    ['>=', [29, 30, 31, 29, 30], '01001'],
    ['<', [30, 29, 28, 30, 29], '01001'],
    ['<=', [31, 30, 29, 31, 30], '01001'],
    ['==', [29, 30, 30, 31, 30], '01001'],
    ['!=', [30, 31, 32, 30, 29], '01001'],
  ])('operator %s', (operator, values, fires) => {
    expect(harness({ operator }).run(values)).toBe(fires);
  });

  it('carries the HALO context: node, metric, value, threshold, operator, previous value', () => {
    const { feed } = harness();
    feed(28);
    const fire = feed(31.5);
    expect(fire).toMatchObject({
      flowId: 'f1',
      triggerStepKey: 'hot',
      triggerType: 'sensor_value',
      payload: {
        node_id: 'n-kitchen',
        node_name: 'Kitchen',
        metric: 'temperature',
        value: 31.5,
        threshold: 30,
        operator: '>',
        previous_value: 28,
      },
    });
  });

  it('a reading older than one already seen (a backlog upload) changes nothing', () => {
    const { evaluator, trigger, feed } = harness();
    const reading = (value: number, at: string) => ({
      node: kitchen,
      metric: 'temperature',
      value,
      recordedAt: new Date(at),
    });
    expect(evaluator.evaluate(trigger, reading(25, '2026-05-01T12:00:00Z'))).toBeNull();
    expect(evaluator.evaluate(trigger, reading(35, '2026-05-01T11:00:00Z'))).toBeNull();
    expect(feed(31)?.payload.previous_value).toBe(25);
  });

  it('ignores other metrics', () => {
    const { feed } = harness();
    expect(feed(99, kitchen, 'humidity')).toBeNull();
  });
});

describe('node selectors', () => {
  it('any node: each node crosses on its own', () => {
    const { run } = harness();
    expect(run([31], kitchen)).toBe('1');
    expect(run([31], hall)).toBe('1'); // the kitchen's state does not disarm the hall
    expect(run([32], kitchen)).toBe('0');
  });

  it('one node by id', () => {
    const { run } = harness({ nodeId: 'n-hall' });
    expect(run([31, 25, 31], kitchen)).toBe('000');
    expect(run([31], hall)).toBe('1');
  });

  it('tags must all match, kind must match', () => {
    const tags = harness({ nodeTags: ['kitchen', 'climate'] });
    expect(tags.run([31], kitchen)).toBe('1');
    expect(tags.run([31], gateway)).toBe('0'); // has "kitchen" but not "climate"
    const kind = harness({ nodeTags: ['kitchen'], nodeKind: 'gateway' });
    expect(kind.run([31], kitchen)).toBe('0');
    expect(kind.run([31], gateway)).toBe('1');
  });
});

describe('hysteresis', () => {
  it('> 30 with hysteresis 1 re-arms only at <= 29', () => {
    const { run } = harness({ hysteresis: 1 });
    expect(run([31, 29.5, 31, 29.01, 31, 29, 31])).toBe('1000001');
  });

  it('< 10 with hysteresis 2 re-arms only at >= 12', () => {
    const { run } = harness({ operator: '<', value: 10, hysteresis: 2 });
    expect(run([9, 11, 9, 12, 9])).toBe('10001');
  });

  it('== uses a band around the value', () => {
    const { run } = harness({ operator: '==', value: 1, hysteresis: 0.5 });
    expect(run([1, 1.4, 1, 1.6, 1])).toBe('10001');
  });

  it('re-arm rule per operator', () => {
    const c = (operator: ComparisonOperator): SensorTriggerConfig => ({
      metric: 'm',
      operator,
      value: 30,
      hysteresis: 1,
    });
    expect([rearms(c('>'), 29), rearms(c('>'), 29.1)]).toEqual([true, false]);
    expect([rearms(c('>='), 28.9), rearms(c('>='), 29)]).toEqual([true, false]);
    expect([rearms(c('<'), 31), rearms(c('<'), 30.9)]).toEqual([true, false]);
    expect([rearms(c('<='), 31.1), rearms(c('<='), 31)]).toEqual([true, false]);
    expect([rearms(c('!='), 30), rearms(c('!='), 30.5)]).toEqual([true, false]);
  });
});

describe('for (must hold N seconds)', () => {
  it('fires on a reading once the condition has held long enough', () => {
    const { feed, advance } = harness({ forSeconds: 60 });
    expect(feed(31)).toBeNull();
    advance(30);
    expect(feed(32)).toBeNull();
    advance(30);
    const fire = feed(33);
    expect(fire?.payload).toMatchObject({ value: 33, held_seconds: 60, previous_value: null });
    advance(10);
    expect(feed(34)).toBeNull(); // fired once; stays disarmed
  });

  it('fires from tick() without a new reading, with the last value seen', () => {
    const { evaluator, feed, advance, now } = harness({ forSeconds: 120 });
    feed(25);
    feed(31);
    advance(60);
    feed(31.2);
    expect(evaluator.tick(now())).toEqual([]);
    advance(59);
    expect(evaluator.tick(now())).toEqual([]);
    advance(1);
    const fires = evaluator.tick(now());
    expect(fires).toHaveLength(1);
    expect(fires[0]!.payload).toMatchObject({ value: 31.2, previous_value: 25, held_seconds: 120 });
    expect(evaluator.pendingCount).toBe(0);
    advance(300);
    expect(evaluator.tick(now())).toEqual([]);
  });

  it('a reading that leaves the condition cancels the pending fire', () => {
    const { evaluator, feed, advance, now } = harness({ forSeconds: 60 });
    feed(31);
    advance(50);
    feed(29);
    advance(20);
    expect(evaluator.tick(now())).toEqual([]);
    feed(31); // the clock starts again
    advance(59);
    expect(evaluator.tick(now())).toEqual([]);
    advance(1);
    expect(evaluator.tick(now())).toHaveLength(1);
  });

  it('a leaving reading inside the hysteresis band also cancels (it left the condition)', () => {
    const { evaluator, feed, advance, now } = harness({ forSeconds: 60, hysteresis: 2 });
    feed(31);
    advance(30);
    feed(29.5);
    advance(40);
    expect(evaluator.tick(now())).toEqual([]);
  });
});

describe('seeding from last known values', () => {
  it('a value already inside the condition does not fire again; a fresh crossing does', () => {
    const { evaluator, trigger, run } = harness();
    evaluator.seed(trigger, [{ node: kitchen, value: 33 }]);
    expect(run([34, 28, 31])).toBe('001');
  });

  it('a value outside the condition leaves the trigger armed and becomes the previous value', () => {
    const { evaluator, trigger, feed } = harness();
    evaluator.seed(trigger, [{ node: kitchen, value: 20 }]);
    expect(feed(31)?.payload.previous_value).toBe(20);
  });

  it('forget() drops state, so the trigger starts armed again', () => {
    const { evaluator, trigger, run } = harness();
    expect(run([31])).toBe('1');
    evaluator.forget(trigger);
    expect(run([31])).toBe('1');
  });
});
