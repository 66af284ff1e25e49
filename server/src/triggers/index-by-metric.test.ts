import { describe, expect, it } from 'vitest';
import { MetricIndex, SensorTriggerRegistry } from './index-by-metric.js';
import type { SensorNode, SensorTriggerConfig } from './sensor-crossing.js';

const node = (id: string, tags: string[] = []): SensorNode => ({
  id,
  name: id.toUpperCase(),
  kind: 'sensor',
  tags,
});
const hot = (extra: Partial<SensorTriggerConfig> = {}): SensorTriggerConfig => ({
  metric: 'temperature',
  operator: '>',
  value: 30,
  ...extra,
});
const reading = (n: SensorNode, value: number, metric = 'temperature') => ({
  node: n,
  metric,
  value,
  recordedAt: new Date(),
});

describe('MetricIndex', () => {
  type Entry = { id: string; metric: string; nodeId?: string };
  const index = () => new MetricIndex<Entry>((e) => e);

  it('hands out only the entries for the metric, pinned ones only for their node', () => {
    const i = index();
    i.replaceFlow('f1', [
      { id: 'a', metric: 'temp' },
      { id: 'b', metric: 'temp', nodeId: 'n1' },
    ]);
    i.replaceFlow('f2', [
      { id: 'c', metric: 'humidity' },
      { id: 'd', metric: 'temp', nodeId: 'n2' },
    ]);
    expect(
      i
        .candidates('temp', 'n1')
        .map((e) => e.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(i.candidates('temp', 'n3').map((e) => e.id)).toEqual(['a']);
    expect(i.candidates('humidity', 'n1').map((e) => e.id)).toEqual(['c']);
    expect(i.candidates('pressure', 'n1')).toEqual([]);
    expect(
      i
        .forMetric('temp')
        .map((e) => e.id)
        .sort(),
    ).toEqual(['a', 'b', 'd']);
    expect(i.size).toBe(4);
  });

  it('replacing a flow removes its old entries; removing a flow empties its metrics', () => {
    const i = index();
    i.replaceFlow('f1', [
      { id: 'a', metric: 'temp' },
      { id: 'b', metric: 'temp', nodeId: 'n1' },
    ]);
    const previous = i.replaceFlow('f1', [{ id: 'a2', metric: 'co2' }]);
    expect(previous.map((e) => e.id)).toEqual(['a', 'b']);
    expect(i.candidates('temp', 'n1')).toEqual([]);
    expect(i.candidates('co2', 'n1').map((e) => e.id)).toEqual(['a2']);
    i.removeFlow('f1');
    expect(i.size).toBe(0);
    expect(i.all()).toEqual([]);
  });

  it('an array handed out is not changed by a later save (safe to iterate while flows change)', () => {
    const i = index();
    i.replaceFlow('f1', [{ id: 'a', metric: 'temp' }]);
    const during = i.candidates('temp', 'n1');
    i.replaceFlow('f2', [{ id: 'b', metric: 'temp' }]);
    expect(during.map((e) => e.id)).toEqual(['a']);
  });

  it('scales: evaluation touches only the candidates, not every flow', () => {
    const i = index();
    for (let f = 0; f < 1000; f++)
      i.replaceFlow(`f${f}`, [{ id: `t${f}`, metric: `m${f % 100}`, nodeId: `n${f}` }]);
    expect(i.candidates('m7', 'n7').map((e) => e.id)).toEqual(['t7']);
  });
});

describe('SensorTriggerRegistry', () => {
  it('evaluates readings against the flows saved, and stops after delete', () => {
    const registry = new SensorTriggerRegistry();
    registry.saveFlow('f1', [{ stepKey: 'hot', config: hot() }]);
    registry.saveFlow('f2', [
      { stepKey: 'humid', config: { metric: 'humidity', operator: '>=', value: 70 } },
    ]);
    const fires = registry.onReadings([reading(node('n1'), 31), reading(node('n1'), 80, 'humidity')]);
    expect(fires.map((f) => `${f.flowId}/${f.triggerStepKey}`)).toEqual(['f1/hot', 'f2/humid']);
    registry.deleteFlow('f1');
    expect(registry.onReadings([reading(node('n1'), 20), reading(node('n1'), 35)])).toEqual([]);
  });

  it('seeds new triggers from known values, so saving a flow does not fire for a condition already true', () => {
    const n1 = node('n1');
    const registry = new SensorTriggerRegistry({ knownValues: () => [{ node: n1, value: 35 }] });
    registry.saveFlow('f1', [{ stepKey: 'hot', config: hot() }]);
    expect(registry.onReadings([reading(n1, 36)])).toEqual([]);
    expect(registry.onReadings([reading(n1, 25), reading(n1, 31)])).toHaveLength(1);
  });

  it('re-saving a flow with an unchanged trigger keeps its state and a running `for`', () => {
    let now = 0;
    const registry = new SensorTriggerRegistry({ clock: () => new Date(now) });
    const n1 = node('n1');
    registry.saveFlow('f1', [{ stepKey: 'hot', config: hot({ forSeconds: 60 }) }]);
    registry.onReadings([reading(n1, 31)]);
    now = 30_000;
    registry.saveFlow('f1', [
      { stepKey: 'hot', config: hot({ forSeconds: 60 }) },
      { stepKey: 'other', config: hot({ metric: 'x' }) },
    ]);
    now = 60_000;
    expect(registry.tick().map((f) => f.triggerStepKey)).toEqual(['hot']);
  });

  it('a changed trigger starts over', () => {
    let now = 0;
    const registry = new SensorTriggerRegistry({ clock: () => new Date(now) });
    const n1 = node('n1');
    registry.saveFlow('f1', [{ stepKey: 'hot', config: hot({ forSeconds: 60 }) }]);
    registry.onReadings([reading(n1, 31)]);
    registry.saveFlow('f1', [{ stepKey: 'hot', config: hot({ forSeconds: 90 }) }]);
    now = 120_000;
    expect(registry.tick()).toEqual([]);
    expect(registry.pendingCount).toBe(0);
  });

  it('pinned, tagged and any-node triggers on the same metric', () => {
    const registry = new SensorTriggerRegistry();
    registry.saveFlow('f1', [
      { stepKey: 'pinned', config: hot({ nodeId: 'n1' }) },
      { stepKey: 'tagged', config: hot({ nodeTags: ['kitchen'] }) },
      { stepKey: 'any', config: hot() },
    ]);
    const keys = (n: SensorNode) =>
      registry
        .onReadings([reading(n, 31)])
        .map((f) => f.triggerStepKey)
        .sort();
    expect(keys(node('n1'))).toEqual(['any', 'pinned']);
    expect(keys(node('n2', ['kitchen']))).toEqual(['any', 'tagged']);
    expect(keys(node('n3'))).toEqual(['any']);
  });
});
