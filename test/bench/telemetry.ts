// Telemetry benchmark: sustained readings per second through each door of a real server (REST and
// GraphQL batches over HTTP, one reading per message over MQTT against the broker at MQTT_URL), the
// in-process intake and store alone, and the ratio to the SQLite single-transaction ceiling.
// Run: cd test && npx tsx bench/telemetry.ts   (READINGS=… MQTT_READINGS=… NODES=… BATCH=… IN_FLIGHT=… MQTT_URL=…)
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startKinflow, type StartedKinflow } from '../../server/src/app.js';
import { newId } from '../../server/src/db/ids.js';
import { openDatabase } from '../../server/src/db/orm.js';
import {
  MemoryNodeDirectory,
  SqliteTelemetryPersistence,
  TelemetryIntake,
  TelemetryStore,
  type Reading,
} from '../../server/src/telemetry/index.js';
import { sqliteCeiling } from './engine.js';

const READINGS = Number(process.env.READINGS ?? 100_000);
const MQTT_READINGS = Number(process.env.MQTT_READINGS ?? 40_000);
const NODES = Number(process.env.NODES ?? 250);
const METRICS_PER_DOOR = 4; // NODES × 4 pairs per door (1000 by default), as sensors would spread
const BATCH = Number(process.env.BATCH ?? 500);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);
const MQTT_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const API_KEY = `kfk_bench_${randomUUID().replaceAll('-', '')}`;

// mqtt is a dependency of the server package, not of this one: the publisher loads it from there.
const MQTT_MODULE = createRequire(new URL('../../server/package.json', import.meta.url)).resolve('mqtt');
const MQTT_WINDOW = 500; // below Mosquitto's default per-client queue (1000), which drops beyond it

/**
 * The publisher runs on its own thread, like a separate sensor gateway would, so it does not steal the
 * server's event loop. It publishes a window of readings plus a marker, and waits until the server has
 * stored the marker before the next window: the broker keeps one publisher's order, and it has no
 * back-pressure of its own (a flooding publisher only makes it drop messages for a slow subscriber).
 */
const PUBLISHER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const mqtt = require(w.mqttModule);
(async () => {
  const client = await mqtt.connectAsync(w.url, { reconnectPeriod: 0 });
  const query = '{ latestTelemetry(node: "bench-0", metric: "mqtt_done") { value } }';
  const marker = async () => {
    const response = await fetch(w.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + w.apiKey },
      body: JSON.stringify({ query }),
    });
    const body = await response.json();
    return body.data.latestTelemetry[0]?.value;
  };
  const t0 = performance.now();
  for (let offset = 0, round = 1; offset < w.total; offset += w.window, round++) {
    const sends = [];
    for (let i = offset; i < Math.min(w.total, offset + w.window); i++) {
      const topic = w.prefix + '/bench-' + (i % w.nodes) + '/mqtt_' + (Math.floor(i / w.nodes) % w.metrics);
      sends.push(client.publishAsync(topic, String(20 + (i % 100) / 10), { qos: 1 }));
    }
    sends.push(client.publishAsync(w.prefix + '/bench-0/mqtt_done', String(round), { qos: 1 }));
    await Promise.all(sends);
    const deadline = Date.now() + 60000;
    while ((await marker()) !== round) {
      if (Date.now() > deadline) throw new Error('window ' + round + ' never arrived');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  const ms = performance.now() - t0;
  await client.endAsync();
  parentPort.postMessage({ ms });
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack) }));
`;

interface Figure {
  label: string;
  perSecond: number;
  note?: string;
}

const rate = (count: number, ms: number) => count / (ms / 1000);

async function post(server: StartedKinflow, route: string, body: unknown): Promise<any> {
  const response = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${route}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

const gql = (server: StartedKinflow, query: string, variables: Record<string, unknown> = {}) =>
  post(server, '/graphql', { query, variables });

const reading = (door: string, i: number) => ({
  node: `bench-${i % NODES}`,
  metric: `${door}_${Math.floor(i / NODES) % METRICS_PER_DOOR}`,
  value: 20 + (i % 100) / 10,
});

type Throughput = { acknowledged: number; persisted: number };

/** Rows of a door's metrics in the server's database file (read through a second connection). */
type RowCounter = (door: string) => Promise<number>;

/** Waits until `total` rows of the door are in the database; returns the ms elapsed since t0. */
async function persistedAfter(count: RowCounter, door: string, total: number, t0: number): Promise<number> {
  const deadline = Date.now() + 120_000;
  while ((await count(door)) < total) {
    if (Date.now() > deadline) throw new Error(`${door}: readings were not persisted within 2 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - t0;
}

/** Keeps IN_FLIGHT batches going until `total` readings are acknowledged, then until they are persisted. */
async function overHttp(
  door: string,
  total: number,
  send: (batch: number[]) => Promise<number>,
  count: RowCounter,
): Promise<Throughput> {
  let next = 0;
  let accepted = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < total) {
      const start = next;
      next = Math.min(total, next + BATCH);
      const batch = Array.from({ length: next - start }, (_, k) => start + k);
      const n = await send(batch); // not `accepted += await …`: that reads `accepted` before the await
      accepted += n;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const ms = performance.now() - t0;
  if (accepted !== total) throw new Error(`only ${accepted} of ${total} readings were accepted`);
  return {
    acknowledged: rate(total, ms),
    persisted: rate(total, await persistedAfter(count, door, total, t0)),
  };
}

const INGEST = `mutation($readings: [ReadingInput!]!) { ingestTelemetry(readings: $readings) {
  ... on MutationIngestTelemetrySuccess { data { accepted } } ... on Error { message } } }`;

/** Readings over MQTT from a publisher thread, until stored (acknowledged) and until persisted. */
async function overMqtt(
  server: StartedKinflow,
  prefix: string,
  count: RowCounter,
): Promise<Throughput & { ingested: number }> {
  const t0 = performance.now();
  const worker = new Worker(PUBLISHER, {
    eval: true,
    workerData: {
      mqttModule: MQTT_MODULE,
      url: MQTT_URL,
      prefix,
      total: MQTT_READINGS,
      nodes: NODES,
      metrics: METRICS_PER_DOOR,
      window: MQTT_WINDOW,
      graphqlUrl: `${server.url}/graphql`,
      apiKey: API_KEY,
    },
  });
  const result = await new Promise<{ ms?: number; error?: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  if (result.error !== undefined) throw new Error(`MQTT publisher: ${result.error}`);
  const acknowledged = rate(MQTT_READINGS, result.ms!);
  let ingested = 0;
  for (let k = 0; k < METRICS_PER_DOOR; k++) {
    const preview = await gql(
      server,
      `query($m: String!) { metricPreview(metric: $m) { ... on QueryMetricPreviewSuccess { data { count } } } }`,
      { m: `mqtt_${k}` },
    );
    ingested += preview.data.metricPreview.data.count as number;
  }
  const persisted = rate(ingested, await persistedAfter(count, 'mqtt', ingested, t0));
  return { acknowledged, persisted, ingested };
}

/** The old measure-throughput: the store alone and the intake alone, in process, with persistence. */
async function inProcess(dir: string): Promise<Figure[]> {
  const orm = await openDatabase(path.join(dir, 'in-process.sqlite'));
  try {
    const total = READINGS;
    const nodes = Array.from({ length: NODES }, (_, i) => ({
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
    const pairOf = (i: number) => ({
      node: nodes[i % NODES]!,
      metric: `m_${Math.floor(i / NODES) % METRICS_PER_DOOR}`,
    });

    const storeOnly = await TelemetryStore.open({
      persistence: await SqliteTelemetryPersistence.fromOrm(orm),
    });
    let t0 = performance.now();
    for (let offset = 0; offset < total; offset += BATCH) {
      const batch: Reading[] = [];
      for (let i = offset; i < Math.min(total, offset + BATCH); i++) {
        const { node, metric } = pairOf(i);
        batch.push({ nodeId: node.id, metric, value: 20 + (i % 100) / 10, recordedAt: new Date() });
      }
      storeOnly.ingest(batch);
      await new Promise((resolve) => setImmediate(resolve)); // let the write-behind run, as a server would
    }
    await storeOnly.close();
    const store = rate(total, performance.now() - t0);

    const persisted = await TelemetryStore.open({
      persistence: await SqliteTelemetryPersistence.fromOrm(orm),
    });
    const intake = new TelemetryIntake({
      store: persisted,
      nodes: new MemoryNodeDirectory(nodes),
      autoRegister: false,
    });
    t0 = performance.now();
    for (let offset = 0; offset < total; offset += BATCH) {
      const batch: unknown[] = [];
      for (let i = offset; i < Math.min(total, offset + BATCH); i++) {
        const { node, metric } = pairOf(i);
        batch.push({ node: node.name, metric, value: 20 + (i % 100) / 10 });
      }
      const result = await intake.ingest(batch);
      if (result.rejected.length > 0) throw new Error(JSON.stringify(result.rejected[0]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await persisted.close();
    const validated = rate(total, performance.now() - t0);
    const ceiling = await sqliteCeiling(orm);
    return [
      { label: 'store.ingest + flush (in process)', perSecond: store },
      { label: 'intake.ingest: validate + store + flush (in process)', perSecond: validated },
      { label: 'SQLite single-transaction ceiling', perSecond: ceiling, note: 'inserts/s' },
    ];
  } finally {
    await orm.close(true);
  }
}

export async function telemetryBenchmark(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-bench-telemetry-'));
  const prefix = `kinflow-bench-${randomUUID().slice(0, 8)}`;
  try {
    const local = await inProcess(dir);
    const ceiling = local.at(-1)!.perSecond;

    const server = await startKinflow({
      dataDir: path.join(dir, 'server'),
      port: 0,
      host: '127.0.0.1',
      quiet: true,
      demo: false,
      env: { KINFLOW_API_KEY: API_KEY, MQTT_URL, KINFLOW_MQTT_PREFIX: prefix },
    });
    const figures: Figure[] = [...local];
    // A second connection on the server's file (WAL: a reader does not block the server's writer).
    const reader = await openDatabase(path.join(dir, 'server', 'kinflow.sqlite'));
    const count: RowCounter = async (door) => {
      const rows = (await reader.em
        .getConnection()
        .execute('select count(*) as n from telemetry_samples where metric >= ? and metric < ?', [
          `${door}_`,
          `${door}_~`,
        ])) as Array<{ n: number }>;
      return rows[0]!.n;
    };
    const push = (label: string, result: Throughput) => {
      figures.push({ label: `${label}: acknowledged`, perSecond: result.acknowledged });
      figures.push({ label: `${label}: persisted`, perSecond: result.persisted });
    };
    const rest = (door: string) => async (batch: number[]) => {
      const body = await post(server, '/v1/telemetry', { readings: batch.map((i) => reading(door, i)) });
      return body.data.accepted as number;
    };
    const graphql = async (batch: number[]) => {
      const body = await gql(server, INGEST, { readings: batch.map((i) => reading('gql', i)) });
      return body.data.ingestTelemetry.data.accepted as number;
    };
    try {
      for (let i = 0; i < NODES; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, NODES - i) }, (_, k) =>
            gql(server, `mutation($n: String!) { createNode(input: { name: $n }) { __typename } }`, {
              n: `bench-${i + k}`,
            }),
          ),
        );
      }
      // Warm-up: JIT, statement cache, file growth.
      await overHttp('warm', Math.min(20_000, READINGS), rest('warm'), count);
      const http = `batches of ${BATCH}, ${IN_FLIGHT} in flight`;
      push(`REST POST /v1/telemetry (${http})`, await overHttp('rest', READINGS, rest('rest'), count));
      push(`GraphQL ingestTelemetry (${http})`, await overHttp('gql', READINGS, graphql, count));
      const viaMqtt = await overMqtt(server, prefix, count);
      push(`MQTT (one reading per message, QoS 1, windows of ${MQTT_WINDOW})`, viaMqtt);
      if (viaMqtt.ingested !== MQTT_READINGS)
        console.warn(`  MQTT: only ${viaMqtt.ingested} of ${MQTT_READINGS} readings were ingested!`);
    } finally {
      await reader.close();
      await server.close(); // includes the final flush of everything acknowledged
    }

    console.log('telemetry benchmark (file-backed SQLite, WAL, write-behind persistence)');
    console.log(`  cpus: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}; node ${process.version}`);
    console.log(
      `  readings: ${READINGS} per HTTP door, ${MQTT_READINGS} over MQTT; ${NODES * METRICS_PER_DOOR} node/metric pairs`,
    );
    for (const figure of figures) {
      const ratio =
        figure.note === 'inserts/s' ? '' : `  (${(figure.perSecond / ceiling).toFixed(3)} × ceiling)`;
      console.log(
        `  ${figure.label.padEnd(72)} ${figure.perSecond.toFixed(0).padStart(8)} ${figure.note ?? 'readings/s'}${ratio}`,
      );
    }
    console.log(
      '  (each reading is one telemetry_samples insert plus its share of the latest-value upserts)',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await telemetryBenchmark();
