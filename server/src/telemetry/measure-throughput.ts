/**
 * How many readings per second the telemetry path sustains on this machine, persistence included.
 * A measurement, not a test: `npx tsx src/telemetry/measure-throughput.ts [readings] [pairs] [rowsPerTransaction]`.
 * It uses a temporary SQLite file (WAL, as in production) and removes it afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newId } from '../db/ids.js';
import { openDatabase } from '../db/orm.js';
import { TelemetryIntake } from './intake.js';
import { MemoryNodeDirectory } from './nodes.js';
import type { Reading } from './readings.js';
import { SqliteTelemetryPersistence, type TelemetryPersistence } from './sqlite-persistence.js';
import { TelemetryStore } from './store.js';

const total = Number(process.argv[2] ?? 200_000);
const pairs = Number(process.argv[3] ?? 1000);
const rowsPerTransaction = Number(process.argv[4] ?? 200);
const BATCH = 500;
const METRICS = ['temperature', 'humidity', 'co2', 'power'];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-throughput-'));
  const orm = await openDatabase(path.join(dir, 'kinflow.sqlite'));
  try {
    const nodeCount = Math.ceil(pairs / METRICS.length);
    const nodes = Array.from({ length: nodeCount }, (_, i) => ({
      id: newId(),
      name: `node-${i}`,
      kind: 'sensor',
      tags: [],
    }));
    const connection = orm.em.getConnection();
    for (const node of nodes) {
      await connection.execute(
        `insert into nodes (id, name, kind, tags, status, metadata, created_at, updated_at) values (?, ?, 'sensor', '[]', 'online', '{}', 0, 0)`,
        [node.id, node.name],
      );
    }
    const pair = (i: number) => ({
      node: nodes[i % nodeCount]!,
      metric: METRICS[Math.floor(i / nodeCount) % METRICS.length]!,
    });

    // 1. The store alone: ingest() plus write-behind, flushing on its own policy (1 s or 2000 readings).
    {
      const writes: number[] = [];
      const persistence = timed(await SqliteTelemetryPersistence.fromOrm(orm), writes);
      const store = await TelemetryStore.open({ persistence, rowsPerTransaction });
      let inIngest = 0;
      const start = performance.now();
      for (let offset = 0; offset < total; offset += BATCH) {
        const batch: Reading[] = [];
        for (let i = offset; i < Math.min(total, offset + BATCH); i++) {
          const { node, metric } = pair(i % pairs);
          batch.push({ nodeId: node.id, metric, value: 20 + (i % 100) / 10, recordedAt: new Date() });
        }
        const before = performance.now();
        store.ingest(batch);
        inIngest += performance.now() - before;
        await new Promise((resolve) => setImmediate(resolve)); // let the write-behind run, as a server would
      }
      await store.close();
      const elapsed = performance.now() - start;
      report('store.ingest + flush', total, elapsed);
      report('  of which inside ingest() (what a caller waits for)', total, inIngest);
      writes.sort((a, b) => a - b);
      const p = (q: number) => writes[Math.min(writes.length - 1, Math.floor(q * writes.length))]!.toFixed(1);
      console.log(
        `  ${writes.length} write transactions of <= ${rowsPerTransaction} samples; each blocks the event loop` +
          ` p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${writes[writes.length - 1]!.toFixed(1)} ms`,
      );
    }

    // 2. The full intake path: validation of raw readings, node lookup, store, listeners.
    {
      const store = await TelemetryStore.open({
        persistence: await SqliteTelemetryPersistence.fromOrm(orm),
        rowsPerTransaction,
      });
      const intake = new TelemetryIntake({
        store,
        nodes: new MemoryNodeDirectory(nodes),
        autoRegister: false,
      });
      const start = performance.now();
      for (let offset = 0; offset < total; offset += BATCH) {
        const batch: unknown[] = [];
        for (let i = offset; i < Math.min(total, offset + BATCH); i++) {
          const { node, metric } = pair(i % pairs);
          batch.push({ node: node.name, metric, value: 20 + (i % 100) / 10 });
        }
        const result = await intake.ingest(batch);
        if (result.rejected.length > 0) throw new Error(JSON.stringify(result.rejected[0]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await store.close();
      report('intake.ingest (validate + store) + flush', total, performance.now() - start);
    }

    const rows = (await connection.execute('select count(*) as n from telemetry_samples')) as Array<{
      n: number;
    }>;
    console.log(`telemetry_samples rows: ${rows[0]!.n} (${pairs} pairs, batches of ${BATCH})`);
  } finally {
    await orm.close(true);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Records how long each write transaction takes (it runs synchronously on the event loop). */
function timed(persistence: TelemetryPersistence, durations: number[]): TelemetryPersistence {
  return {
    ...persistence,
    loadLatest: () => persistence.loadLatest(),
    loadHistory: (since, perPair) => persistence.loadHistory(since, perPair),
    pruneOlderThan: (cutoff, limit) => persistence.pruneOlderThan(cutoff, limit),
    prunePairs: (list) => persistence.prunePairs(list),
    write: async (batch) => {
      const start = performance.now();
      const result = await persistence.write(batch);
      durations.push(performance.now() - start);
      return result;
    },
  };
}

function report(label: string, count: number, ms: number, extra = ''): void {
  console.log(
    `${label}: ${count} readings in ${ms.toFixed(0)} ms = ${Math.round(count / (ms / 1000))} readings/s ${extra}`,
  );
}

await main();
