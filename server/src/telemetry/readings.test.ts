import { describe, expect, it } from 'vitest';
import { MemoryNodeDirectory } from './nodes.js';
import { parseReadings, type ParseOptions } from './readings.js';

const now = new Date('2026-05-01T12:00:00Z');
const nodes = new MemoryNodeDirectory([
  { id: 'n-1', name: 'kitchen', kind: 'sensor', tags: [] },
  { id: 'n-2', name: 'hall', kind: 'sensor', tags: [] },
]);
const options: ParseOptions = { now, nodes, autoRegister: false };

describe('parseReadings', () => {
  it('keeps the good readings and rejects the bad ones one by one, with index, field and reason', () => {
    const result = parseReadings(
      [
        { node: 'kitchen', metric: 'temperature', value: 21.5 },
        { node: 'garage', metric: 'temperature', value: 19 },
        { node: 'n-2', metric: 'humidity', value: 'wet' },
        { node: 'n-2', metric: 'door', value: true, timestamp: '2026-05-01T11:59:00Z' },
        { node: 'n-2', metric: 'temperature', value: 20, timestamp: '2026-05-01T12:10:00Z' },
        { node: 'hall', metric: 'co2 ppm', value: 400 },
        { node: 'hall', metric: 'co2', value: '415.5', timestamp: 1777636700000 },
      ],
      options,
    );
    expect(result.accepted.map((r) => [r.index, r.node?.id, r.metric, r.value])).toEqual([
      [0, 'n-1', 'temperature', 21.5],
      [3, 'n-2', 'door', 1],
      [6, 'n-2', 'co2', 415.5],
    ]);
    expect(result.rejected).toEqual([
      { index: 1, field: 'node', reason: 'unknown node "garage" (auto-registration is off)' },
      { index: 2, field: 'value', reason: 'value must be a number, a boolean or a numeric string' },
      { index: 4, field: 'timestamp', reason: 'timestamp is more than 300 s in the future' },
      { index: 5, field: 'metric', reason: expect.stringMatching(/^metric must be 1-64 characters/) },
    ]);
    expect(result.accepted[0]!.recordedAt).toEqual(now); // no timestamp: the time it arrived
    expect(result.accepted[1]!.recordedAt).toEqual(new Date('2026-05-01T11:59:00Z'));
    expect(result.accepted[2]!.recordedAt).toEqual(new Date(1777636700000));
  });

  it.each([
    [NaN, 'value must be a finite number (not NaN or Infinity)'],
    [Infinity, 'value must be a finite number (not NaN or Infinity)'],
    ['1e999', 'value must be a finite number (not NaN or Infinity)'],
    ['0x1F', 'value must be a number, a boolean or a numeric string'],
    ['', 'value must be a number, a boolean or a numeric string'],
    ['12abc', 'value must be a number, a boolean or a numeric string'],
    [null, 'value is required'],
    [undefined, 'value is required'],
    [{ v: 1 }, 'value must be a number, a boolean or a numeric string'],
  ])('rejects the value %s', (value, reason) => {
    const { rejected } = parseReadings([{ node: 'kitchen', metric: 'm', value }], options);
    expect(rejected).toEqual([{ index: 0, field: 'value', reason }]);
  });

  it.each([
    [' 21.5 ', 21.5],
    ['-3', -3],
    ['1e3', 1000],
    ['.5', 0.5],
    [false, 0],
    [0, 0],
  ])('accepts the value %j as %d', (value, expected) => {
    expect(parseReadings([{ node: 'kitchen', metric: 'm', value }], options).accepted[0]!.value).toBe(
      expected,
    );
  });

  it.each([
    ['1999-12-31T23:59:59Z', 'timestamp is before 2000-01-01'],
    [946684799999, 'timestamp is before 2000-01-01'],
    [1777636800, 'timestamp is before 2000-01-01 (epoch seconds? send ms)'],
    ['2026-05-01T12:00:00', 'timestamp must be ISO 8601 with a time zone (e.g. 2026-01-31T09:00:00Z)'],
    ['yesterday', 'timestamp must be ISO 8601 with a time zone (e.g. 2026-01-31T09:00:00Z)'],
    ['2026-02-30T10:00:00Z', '"2026-02-30T10:00:00Z" is not a real date'],
    [true, 'timestamp must be an ISO 8601 string or epoch milliseconds'],
  ])('rejects the timestamp %j', (timestamp, reason) => {
    const { rejected } = parseReadings([{ node: 'kitchen', metric: 'm', value: 1, timestamp }], options);
    expect(rejected).toEqual([{ index: 0, field: 'timestamp', reason }]);
  });

  it('accepts timestamps with offsets and up to 5 minutes of clock skew', () => {
    const { accepted, rejected } = parseReadings(
      [
        { node: 'kitchen', metric: 'm', value: 1, timestamp: '2026-05-01T14:04:59+02:00' },
        { node: 'kitchen', metric: 'm', value: 1, timestamp: '2000-01-01T00:00:00.000Z' },
      ],
      options,
    );
    expect(rejected).toEqual([]);
    expect(accepted[0]!.recordedAt.toISOString()).toBe('2026-05-01T12:04:59.000Z');
  });

  it('metric names: letters, digits and _ . : - up to 64', () => {
    const ok = ['temperature', 'sensor.temp_1', 'zigbee:battery-level', 'a'.repeat(64)];
    const bad = ['', 'a'.repeat(65), 'temp/1', 'température', 'with space', 42];
    const batch = [...ok, ...bad].map((metric) => ({ node: 'kitchen', metric, value: 1 }));
    const { accepted, rejected } = parseReadings(batch, options);
    expect(accepted.map((r) => r.metric)).toEqual(ok);
    expect(rejected.map((r) => r.field)).toEqual(bad.map(() => 'metric'));
  });

  it('with auto-registration, unknown nodes are accepted and listed once for registration', () => {
    const { accepted, rejected, newNodes } = parseReadings(
      [
        { node: 'garage', metric: 'm', value: 1 },
        { node: 'garage', metric: 'n', value: 2 },
        { node: 'kitchen', metric: 'm', value: 3 },
      ],
      { ...options, autoRegister: true },
    );
    expect(rejected).toEqual([]);
    expect(newNodes).toEqual(['garage']);
    expect(accepted.map((r) => [r.node?.id ?? null, r.nodeName])).toEqual([
      [null, 'garage'],
      [null, 'garage'],
      ['n-1', 'kitchen'],
    ]);
  });

  it('rejects entries that are not reading objects, and missing nodes', () => {
    const { rejected } = parseReadings([null, 'x', [1], { metric: 'm', value: 1 }], options);
    expect(rejected.map((r) => `${r.index}:${r.field}`)).toEqual([
      '0:reading',
      '1:reading',
      '2:reading',
      '3:node',
    ]);
  });
});
