import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Orm } from '../db/orm.js';
import { SensorTriggerRegistry } from '../triggers/index-by-metric.js';
import { NodeLiveness } from '../triggers/node-liveness.js';
import { TelemetryBatchError, TelemetryIntake, type NodeReading } from './intake.js';
import { MemoryNodeDirectory, loadNodeDirectory } from './nodes.js';
import { SqliteTelemetryPersistence } from './sqlite-persistence.js';
import { TelemetryStore } from './store.js';

const now = new Date('2026-05-01T12:00:00Z');
const kitchen = { id: 'n-kitchen', name: 'kitchen', kind: 'sensor', tags: ['kitchen'] };

async function memoryIntake(autoRegister = false) {
  const store = await TelemetryStore.open({ clock: () => now });
  const nodes = new MemoryNodeDirectory([kitchen]);
  const intake = new TelemetryIntake({ store, nodes, autoRegister, clock: () => now });
  const seen: NodeReading[] = [];
  intake.onReadings((readings) => seen.push(...readings));
  return { store, nodes, intake, seen };
}

describe('TelemetryIntake', () => {
  it('keeps the good readings of a batch, rejects the bad ones one by one, and stores nothing bad', async () => {
    const { store, intake, seen } = await memoryIntake();
    const result = await intake.ingest([
      { node: 'kitchen', metric: 'temperature', value: 21.5 },
      { node: 'attic', metric: 'temperature', value: 30 },
      { node: 'n-kitchen', metric: 'humidity', value: 'NaN' },
      { node: 'kitchen', metric: 'humidity', value: '55' },
      { node: 'kitchen', metric: 'temperature', value: 22, timestamp: '1970-01-01T00:00:00Z' },
    ]);
    expect(result).toEqual({
      accepted: 2,
      registered: [],
      rejected: [
        { index: 1, field: 'node', reason: 'unknown node "attic" (auto-registration is off)' },
        { index: 2, field: 'value', reason: 'value must be a number, a boolean or a numeric string' },
        { index: 4, field: 'timestamp', reason: 'timestamp is before 2000-01-01' },
      ],
    });
    expect(store.latest('n-kitchen', 'temperature')?.value).toBe(21.5);
    expect(store.latest('n-kitchen', 'humidity')?.value).toBe(55);
    expect(seen.map((s) => [s.node.name, s.metric, s.value])).toEqual([
      ['kitchen', 'temperature', 21.5],
      ['kitchen', 'humidity', 55],
    ]);
  });

  it('refuses a batch that is not an array or too large, as a whole', async () => {
    const { intake } = await memoryIntake();
    await expect(intake.ingest({} as unknown as unknown[])).rejects.toBeInstanceOf(TelemetryBatchError);
    const big = Array.from({ length: 10_001 }, () => ({ node: 'kitchen', metric: 'm', value: 1 }));
    await expect(intake.ingest(big)).rejects.toThrow(/at most 10000/);
  });

  it('auto-registers unknown nodes once per name, also for concurrent batches', async () => {
    const { intake, nodes } = await memoryIntake(true);
    const registered: string[] = [];
    intake.onRegistered((node) => registered.push(node.name));
    const [a, b] = await Promise.all([
      intake.ingest([{ node: 'garage', metric: 'm', value: 1 }]),
      intake.ingest([{ node: 'garage', metric: 'm', value: 2 }]),
    ]);
    expect(a.rejected).toEqual([]);
    expect(b.rejected).toEqual([]);
    expect(nodes.find('garage')?.kind).toBe('sensor');
    expect(nodes.all()).toHaveLength(2);
    expect(registered).toEqual(['garage']); // announced once
    expect([...a.registered, ...b.registered].map((n) => n.name)).toEqual(['garage']);
  });

  it('a failing listener does not fail the ingest', async () => {
    const errors: unknown[] = [];
    const intake = new TelemetryIntake({
      store: await TelemetryStore.open(),
      nodes: new MemoryNodeDirectory([kitchen]),
      autoRegister: false,
      onError: (e) => errors.push(e),
    });
    intake.onReadings(() => {
      throw new Error('boom');
    });
    expect((await intake.ingest([{ node: 'kitchen', metric: 'm', value: 1 }])).accepted).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('custom node events: validated, resolved to the node, handed to listeners', async () => {
    const { intake } = await memoryIntake();
    const events: string[] = [];
    intake.onNodeEvent((e) => events.push(`${e.node.id}:${e.name}:${JSON.stringify(e.payload)}`));
    expect(
      await intake.nodeEvent({ node: 'kitchen', name: 'button', payload: { press: 'long' } }),
    ).toMatchObject({ ok: true });
    expect(await intake.nodeEvent({ node: 'attic', name: 'button' })).toEqual({
      ok: false,
      field: 'node',
      reason: 'unknown node "attic"',
    });
    expect(await intake.nodeEvent({ node: 'kitchen', name: 'bad name' })).toMatchObject({
      ok: false,
      field: 'name',
    });
    expect(events).toEqual(['n-kitchen:button:{"press":"long"}']);
  });
});

describe('wiring: intake → inline sensor triggers and liveness', () => {
  it('a reading crossing a threshold fires the flow inline, seeded from the stored latest value', async () => {
    const { store, nodes, intake } = await memoryIntake();
    await intake.ingest([{ node: 'kitchen', metric: 'temperature', value: 31 }]); // before the flow existed
    const sensors = new SensorTriggerRegistry({
      clock: () => now,
      knownValues: (metric) =>
        store.latestForMetric(metric).flatMap((v) => {
          const node = nodes.find(v.nodeId);
          return node ? [{ node, value: v.value, recordedAt: v.recordedAt }] : [];
        }),
    });
    sensors.saveFlow('flow-1', [
      { stepKey: 'hot', config: { metric: 'temperature', operator: '>', value: 30 } },
    ]);
    const liveness = new NodeLiveness({ clock: () => now });
    liveness.load(nodes.all()); // known nodes at start: no "registered" for them
    const fired: unknown[] = [];
    const lifecycle: string[] = [];
    intake.onReadings((readings, at) => {
      fired.push(...sensors.onReadings(readings, at));
      lifecycle.push(...liveness.observe(readings, at).map((e) => e.type));
    });
    await intake.ingest([{ node: 'kitchen', metric: 'temperature', value: 32 }]); // still above: no fire
    await intake.ingest([{ node: 'kitchen', metric: 'temperature', value: 25 }]);
    await intake.ingest([{ node: 'kitchen', metric: 'temperature', value: 30.5 }]);
    expect(fired).toMatchObject([
      {
        flowId: 'flow-1',
        triggerStepKey: 'hot',
        payload: { node_name: 'kitchen', value: 30.5, previous_value: 25 },
      },
    ]);
    expect(lifecycle).toEqual([]);
    expect(liveness.status('n-kitchen')).toBe('online');
  });
});

describe('loadNodeDirectory (nodes table)', () => {
  let orm: Orm | undefined;
  afterEach(async () => {
    await orm?.close(true);
  });

  it('resolves existing nodes by id and name and registers new ones as rows', async () => {
    orm = await openDatabase(':memory:');
    await orm.em
      .getConnection()
      .execute(
        `insert into nodes (id, name, kind, tags, status, metadata, created_at, updated_at) values ('n1', 'porch', 'sensor', '["outside"]', 'unknown', '{}', 0, 0)`,
      );
    const nodes = await loadNodeDirectory(orm, () => now);
    expect(nodes.find('n1')).toEqual({ id: 'n1', name: 'porch', kind: 'sensor', tags: ['outside'] });
    expect(nodes.find('porch')?.id).toBe('n1');
    const store = await TelemetryStore.open({ persistence: await SqliteTelemetryPersistence.fromOrm(orm) });
    const intake = new TelemetryIntake({ store, nodes, autoRegister: true, clock: () => now });
    const result = await intake.ingest([
      { node: 'shed', metric: 'temperature', value: 4 },
      { node: 'porch', metric: 'temperature', value: 6 },
    ]);
    expect(result.registered.map((n) => n.name)).toEqual(['shed']);
    await store.close();
    const rows = (await orm.em
      .getConnection()
      .execute(
        `select n.name, n.status, n.metadata, t.value from nodes n join telemetry_latest t on t.node_id = n.id order by n.name`,
      )) as Array<Record<string, unknown>>;
    expect(rows).toEqual([
      { name: 'porch', status: 'online', metadata: '{}', value: 6 },
      { name: 'shed', status: 'online', metadata: '{"autoRegistered":true}', value: 4 },
    ]);
  });
});
