import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayNode } from '../db/entities/index.js';
import { openDatabase, type Orm } from '../db/orm.js';
import type { Reading } from './readings.js';
import { SqliteTelemetryPersistence, type TelemetryPersistence } from './sqlite-persistence.js';
import { TelemetryStore, type TelemetryStoreOptions } from './store.js';

const T0 = Date.parse('2026-05-01T12:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const r = (nodeId: string, metric: string, value: number, seconds = 0): Reading => ({
  nodeId,
  metric,
  value,
  recordedAt: at(seconds),
});

describe('TelemetryStore in memory', () => {
  const open = (options: TelemetryStoreOptions = {}) =>
    TelemetryStore.open({ clock: () => at(1000), ...options });

  it('keeps the latest value per node and metric; a late, older reading does not replace it', async () => {
    const store = await open();
    store.ingest([
      r('a', 'temp', 20, 10),
      r('a', 'temp', 21, 20),
      r('b', 'temp', 5, 5),
      r('a', 'temp', 19, 15),
    ]);
    expect(store.latest('a', 'temp')).toMatchObject({ value: 21, recordedAt: at(20) });
    expect(store.latest('b', 'temp')?.value).toBe(5);
    expect(store.latest('a', 'humidity')).toBeUndefined();
    expect(store.latestForNode('a').map((v) => v.metric)).toEqual(['temp']);
    expect(store.metrics()).toEqual(['temp']);
    expect(store.latestForMetric('temp').map((v) => `${v.nodeId}:${v.value}`)).toEqual(['a:21', 'b:5']);
  });

  it('bounds history per pair and by age; previews give recent values with min/max/avg', async () => {
    const store = await open({ historyPerPair: 5, historyMaxAgeMs: 500_000 });
    store.ingest([r('a', 'temp', 100, 0)]); // older than the max age at the clock's 1000 s
    for (let i = 1; i <= 8; i++) store.ingest([r('a', 'temp', i, 600 + i)]);
    const preview = store.preview('a', 'temp', { limit: 3 });
    expect(preview.values.map((v) => v.value)).toEqual([6, 7, 8]);
    expect(preview).toMatchObject({ metric: 'temp', nodeId: 'a', count: 5, min: 4, max: 8, avg: 6 });
    expect(preview.latest?.value).toBe(8);
    expect(store.preview('a', 'nothing')).toMatchObject({
      count: 0,
      min: null,
      max: null,
      avg: null,
      values: [],
    });
  });

  it('the any-node preview merges nodes by time and summarises each node', async () => {
    const store = await open();
    store.ingest([
      r('a', 'temp', 20, 1),
      r('b', 'temp', 30, 2),
      r('a', 'temp', 22, 3),
      r('c', 'co2', 400, 4),
    ]);
    const preview = store.preview(null, 'temp', { limit: 10 });
    expect(preview.values.map((v) => `${v.nodeId}:${v.value}`)).toEqual(['a:20', 'b:30', 'a:22']);
    expect(preview).toMatchObject({ nodeId: null, count: 3, min: 20, max: 30, avg: 24 });
    expect(preview.latest).toMatchObject({ nodeId: 'a', value: 22 });
    expect(preview.nodes?.map((n) => [n.nodeId, n.count, n.avg])).toEqual([
      ['a', 2, 21],
      ['b', 1, 30],
    ]);
  });

  it('forgets a deleted node', async () => {
    const store = await open();
    store.ingest([r('a', 'temp', 20), r('b', 'temp', 21)]);
    store.forgetNode('a');
    expect(store.latest('a', 'temp')).toBeUndefined();
    expect(store.latestForNode('a')).toEqual([]);
    expect(store.preview(null, 'temp').values.map((v) => v.nodeId)).toEqual(['b']);
  });
});

describe('TelemetryStore with write-behind to SQLite', () => {
  let dir: string;
  let file: string;
  let orm: Orm;

  const addNodes = async (db: Orm, ...names: string[]): Promise<string[]> => {
    const em = db.em.fork();
    const nodes = names.map((name) =>
      em.create(GatewayNode, { name, kind: 'sensor', tags: [], metadata: {} }),
    );
    await em.flush();
    return nodes.map((n) => n.id);
  };
  const count = async (db: Orm, table: string) =>
    ((await db.em.getConnection().execute(`select count(*) as n from ${table}`)) as Array<{ n: number }>)[0]!
      .n;
  const openStore = async (db: Orm, options: TelemetryStoreOptions = {}) =>
    TelemetryStore.open({
      persistence: await SqliteTelemetryPersistence.fromOrm(db),
      clock: () => at(1000),
      flushIntervalMs: 60_000, // flushes in these tests are explicit unless a test says otherwise
      flushMaxReadings: 1_000_000,
      ...options,
    });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-telemetry-'));
    file = path.join(dir, 'kinflow.sqlite');
    orm = await openDatabase(file);
  });
  afterEach(async () => {
    await orm.close(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('latest values and history survive close and reopen of the database file', async () => {
    const [a, b] = await addNodes(orm, 'kitchen', 'hall');
    const store = await openStore(orm);
    for (let i = 0; i < 20; i++) store.ingest([r(a!, 'temp', 20 + i, i), r(b!, 'temp', 10 + i, i)]);
    store.ingest([r(a!, 'humidity', 55, 30)]);
    const before = store.preview(null, 'temp', { limit: 100 });
    await store.close();
    await orm.close(true);

    orm = await openDatabase(file);
    const reopened = await openStore(orm);
    expect(reopened.latest(a!, 'temp')).toEqual({ nodeId: a, metric: 'temp', value: 39, recordedAt: at(19) });
    expect(reopened.latest(a!, 'humidity')?.value).toBe(55);
    expect(reopened.preview(null, 'temp', { limit: 100 })).toEqual(before);
    const lastSeen = (await orm.em
      .getConnection()
      .execute('select last_seen_at from nodes where id = ?', [a])) as Array<{
      last_seen_at: number;
    }>;
    expect(lastSeen[0]!.last_seen_at).toBe(at(1000).getTime());
    await reopened.close();
  });

  it('nothing acknowledged is lost on a clean shutdown, without any earlier flush', async () => {
    const ids = await addNodes(orm, ...Array.from({ length: 50 }, (_, i) => `node-${i}`));
    const store = await openStore(orm, { historyPerPair: 1000 });
    for (let i = 0; i < 10_000; i++) store.ingest([r(ids[i % 50]!, `m${i % 4}`, i, i / 100)]);
    expect(await count(orm, 'telemetry_samples')).toBe(0);
    expect(store.pendingCount).toBe(10_000);
    await store.close();
    expect(await count(orm, 'telemetry_samples')).toBe(10_000);
    expect(await count(orm, 'telemetry_latest')).toBe(100); // i % 50 and i % 4 make 100 pairs
    await store.close(); // twice is harmless
    expect(() => store.ingest([r(ids[0]!, 'm0', 1)])).toThrow(/closed/);
  });

  it('flushes on its own after M readings and every N ms', async () => {
    const [a] = await addNodes(orm, 'kitchen');
    const byCount = await openStore(orm, { flushMaxReadings: 100 });
    for (let i = 0; i < 100; i++) byCount.ingest([r(a!, 'temp', i, i)]);
    await expect.poll(() => count(orm, 'telemetry_samples')).toBe(100);
    await byCount.close();
    const byTime = await openStore(orm, { flushIntervalMs: 20 });
    byTime.ingest([r(a!, 'temp', 1, 500)]);
    await expect.poll(() => count(orm, 'telemetry_samples')).toBe(101);
    await byTime.close();
  });

  it('prunes the database to the per-pair bound and the max age, in batches', async () => {
    const [a, b] = await addNodes(orm, 'kitchen', 'hall');
    const store = await openStore(orm, { historyPerPair: 10, historyMaxAgeMs: 900_000, pruneBatchSize: 7 });
    for (let i = 0; i < 25; i++) store.ingest([r(a!, 'temp', i, 200 + i), r(b!, 'temp', i, 200 + i)]);
    store.ingest([r(b!, 'old', 1, 0), r(b!, 'old', 2, 50)]); // older than 900 s at the clock's 1000 s
    await store.flush();
    expect(await count(orm, 'telemetry_samples')).toBe(52);
    await store.prune();
    expect(await count(orm, 'telemetry_samples')).toBe(20);
    const kept = (await orm.em
      .getConnection()
      .execute('select min(value) as lo, max(value) as hi from telemetry_samples where node_id = ?', [
        a,
      ])) as Array<{ lo: number; hi: number }>;
    expect(kept[0]).toEqual({ lo: 15, hi: 24 }); // the newest 10
    expect(await count(orm, 'telemetry_latest')).toBe(3); // latest values are never pruned
    await store.close();
  });

  it('drops the readings of a node deleted while they waited, and keeps everyone else’s', async () => {
    const [a, b] = await addNodes(orm, 'kitchen', 'hall');
    const store = await openStore(orm);
    store.ingest([r(a!, 'temp', 1), r(b!, 'temp', 2)]);
    await orm.em.getConnection().execute('delete from nodes where id = ?', [a]);
    await store.flush();
    expect(await count(orm, 'telemetry_samples')).toBe(1);
    expect(store.latest(a!, 'temp')).toBeUndefined();
    await store.close();
  });

  it('waits for another writer’s open transaction instead of writing inside it', async () => {
    const [a] = await addNodes(orm, 'kitchen');
    const store = await openStore(orm);
    store.ingest([r(a!, 'temp', 1)]);
    const trx = await orm.em.getConnection().getKnex().transaction();
    await trx.raw("update nodes set kind = 'x' where id = ?", [a!]);
    let flushed = false;
    const flush = store.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(flushed).toBe(false);
    await trx.rollback(); // the other writer's rollback must not take our readings with it
    await flush;
    expect(await count(orm, 'telemetry_samples')).toBe(1);
    await store.close();
  });
});

describe('TelemetryStore when persistence fails', () => {
  it('keeps the batch and writes it with the next flush', async () => {
    const written: Reading[] = [];
    let fail = true;
    const persistence: TelemetryPersistence = {
      loadLatest: async () => [],
      loadHistory: async () => [],
      write: async (batch) => {
        if (fail) throw new Error('disk full');
        written.push(...batch.samples);
        return { droppedNodes: [] };
      },
      pruneOlderThan: async () => 0,
      prunePairs: async () => 0,
    };
    const errors: unknown[] = [];
    const store = await TelemetryStore.open({
      persistence,
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    });
    store.ingest([r('a', 'temp', 1, 1)]);
    await expect(store.flush()).rejects.toThrow('disk full');
    store.ingest([r('a', 'temp', 2, 2)]);
    fail = false;
    await store.close();
    expect(written.map((x) => x.value)).toEqual([1, 2]);
  });

  it('writes in bounded transactions; after a failure midway only the unwritten rest is retried', async () => {
    const calls: number[][] = [];
    let failOnCall = 3;
    const persistence: TelemetryPersistence = {
      loadLatest: async () => [],
      loadHistory: async () => [],
      write: async (batch) => {
        if (calls.length + 1 === failOnCall) {
          failOnCall = 0;
          calls.push([]);
          throw new Error('busy');
        }
        calls.push(batch.samples.map((x) => x.value));
        return { droppedNodes: [] };
      },
      pruneOlderThan: async () => 0,
      prunePairs: async () => 0,
    };
    const store = await TelemetryStore.open({ persistence, flushIntervalMs: 60_000, rowsPerTransaction: 3 });
    store.ingest(Array.from({ length: 10 }, (_, i) => r('a', 'temp', i, i)));
    await expect(store.flush()).rejects.toThrow('busy');
    await store.close();
    expect(calls).toEqual([[0, 1, 2], [3, 4, 5], [], [6, 7, 8], [9]]);
  });

  it('bounds what waits while the database is unavailable, dropping the oldest samples', async () => {
    const persistence: TelemetryPersistence = {
      loadLatest: async () => [],
      loadHistory: async () => [],
      write: async () => {
        throw new Error('read-only file system');
      },
      pruneOlderThan: async () => 0,
      prunePairs: async () => 0,
    };
    const errors: unknown[] = [];
    const store = await TelemetryStore.open({
      persistence,
      flushIntervalMs: 60_000,
      maxPendingSamples: 2,
      onError: (e) => errors.push(e),
    });
    store.ingest([r('a', 'temp', 1, 1), r('a', 'temp', 2, 2), r('a', 'temp', 3, 3)]);
    await expect(store.flush()).rejects.toThrow('read-only');
    expect(store.pendingCount).toBe(2);
    expect(String(errors[0])).toMatch(/dropped 1 unwritten samples/);
    expect(store.latest('a', 'temp')?.value).toBe(3);
  });
});

describe('TelemetryStore back-pressure', () => {
  /** A persistence whose writes wait until released, like a database that has fallen behind. */
  function slowPersistence() {
    const written: Reading[] = [];
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const persistence: TelemetryPersistence = {
      loadLatest: async () => [],
      loadHistory: async () => [],
      write: async (batch) => {
        await gate;
        written.push(...batch.samples);
        return { droppedNodes: [] };
      },
      pruneOlderThan: async () => 0,
      prunePairs: async () => 0,
    };
    return {
      persistence,
      written,
      open: () => {
        release();
        gate = Promise.resolve();
      },
    };
  }

  it('drained() waits while the backlog is over maxBacklog, and resolves once it is written', async () => {
    const slow = slowPersistence();
    const store = await TelemetryStore.open({
      persistence: slow.persistence,
      maxBacklog: 10,
      flushMaxReadings: 1000,
      flushIntervalMs: 3_600_000,
    });
    store.ingest(Array.from({ length: 5 }, (_, i) => r('a', 'm', i)));
    await store.drained(); // under the limit: no wait
    store.ingest(Array.from({ length: 20 }, (_, i) => r('a', 'm', i)));
    let done = false;
    const waiting = store.drained().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    slow.open();
    await waiting;
    expect(slow.written).toHaveLength(25);
    await store.close();
  });
});

describe('TelemetryStore group commit', () => {
  function countingPersistence() {
    const writes: number[] = [];
    let fail = false;
    const persistence: TelemetryPersistence = {
      loadLatest: async () => [],
      loadHistory: async () => [],
      write: async (batch) => {
        if (fail) throw new Error('disk full');
        writes.push(batch.samples.length);
        return { droppedNodes: [] };
      },
      pruneOlderThan: async () => 0,
      prunePairs: async () => 0,
    };
    return { persistence, writes, failNext: (value: boolean) => (fail = value) };
  }

  it('committed() resolves after the write, and callers of one turn share one write', async () => {
    const counting = countingPersistence();
    const store = await TelemetryStore.open({
      persistence: counting.persistence,
      flushIntervalMs: 3_600_000,
    });
    const commits = Array.from({ length: 5 }, (_, i) => {
      store.ingest([r('a', 'm', i, i), r('b', 'm', i, i)]);
      return store.committed();
    });
    expect(counting.writes).toEqual([]); // nothing is written before the turn ends
    await Promise.all(commits);
    expect(counting.writes).toEqual([10]);
    await store.close();
  });

  it('committed() rejects when the write fails; the readings stay queued for the next one', async () => {
    const counting = countingPersistence();
    const store = await TelemetryStore.open({
      persistence: counting.persistence,
      flushIntervalMs: 3_600_000,
    });
    store.ingest([r('a', 'm', 1)]);
    counting.failNext(true);
    await expect(store.committed()).rejects.toThrow('disk full');
    counting.failNext(false);
    store.ingest([r('a', 'm', 2, 1)]);
    await store.committed();
    expect(counting.writes).toEqual([2]);
    await store.close();
  });
});
