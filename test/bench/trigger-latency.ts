// Trigger-to-action latency: a reading arrives over GraphQL, its sensor_value trigger fires inline,
// the alert row is committed and the alertRaised event reaches a WebSocket client. Load: 1,000
// readings/s spread over 1,000 node/metric pairs (100 nodes × 10 metrics) with 100 enabled flows,
// each watching one pair whose value alternates across the threshold on every reading.
// Node-RED runs the same load in the same run (http in → function → websocket out), as the peer.
// Run: cd test && npx tsx bench/trigger-latency.ts   (SECONDS=… RATE=… to change the load)
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startServerProcess } from './server-process.js';
import { keyedGraphql, percentile } from './measure.js';
import { startNodeRed } from './peers/node-red.js';

const SECONDS = Number(process.env.SECONDS ?? 10);
const RATE = Number(process.env.RATE ?? 1000);
const NODES = 100;
const METRICS = 10;
const FLOWS = 100;
const BATCHES_PER_SECOND = 50;
const API_KEY = 'kfk_benchmark_key_0123456789abcdef';

interface Reading {
  node: string;
  metric: string;
  value: number;
}

interface LatencyResult {
  sent: number;
  seconds: number;
  crossings: number;
  latencies: number[];
}

/**
 * Sends RATE readings/s in batches through `send`; `alerted(key)` is called by the caller's client
 * with `node|metric|value` of every alert it receives. Watched pairs alternate 40 / 51+, so every
 * second reading of a watched pair is a crossing.
 */
function driveReadings(send: (readings: Reading[]) => Promise<unknown>) {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const alerted = (key: string) => {
    const sent = sentAt.get(key);
    if (sent !== undefined) latencies.push(performance.now() - sent);
  };
  const run = async (): Promise<LatencyResult> => {
    const perBatch = Math.round(RATE / BATCHES_PER_SECOND);
    const total = RATE * SECONDS;
    let sent = 0;
    let pair = 0;
    let sequence = 0;
    const pending: Promise<unknown>[] = [];
    const started = performance.now();
    while (sent < total) {
      const readings: Reading[] = [];
      for (let i = 0; i < perBatch; i++, pair = (pair + 1) % (NODES * METRICS)) {
        const node = pair % NODES;
        const metric = Math.floor(pair / NODES);
        const watched = metric === node % METRICS;
        const round = Math.floor(sent / (NODES * METRICS));
        const value = watched && round % 2 === 1 ? 51 + (sequence++ % 1000) / 1000 : 40;
        readings.push({ node: `node-${node}`, metric: `m${metric}`, value });
        sent++;
      }
      const batchStart = performance.now();
      for (const reading of readings)
        if (reading.value > 50) sentAt.set(`${reading.node}|${reading.metric}|${reading.value}`, batchStart);
      pending.push(send(readings));
      const wait = started + (sent / RATE) * 1000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.all(pending);
    const seconds = (performance.now() - started) / 1000;
    for (let i = 0; i < 100 && latencies.length < sentAt.size; i++)
      await new Promise((r) => setTimeout(r, 50));
    return { sent, seconds, crossings: sentAt.size, latencies: [...latencies].sort((a, b) => a - b) };
  };
  return { alerted, run };
}

async function kinflowLatency(): Promise<LatencyResult> {
  const server = await startServerProcess({ KINFLOW_API_KEY: API_KEY });
  const gql = keyedGraphql(server.port, API_KEY);
  try {
    const nodeIds: string[] = [];
    for (let n = 0; n < NODES; n++) {
      const data = await gql(
        `mutation($input: CreateNodeInput!) { createNode(input: $input) { ... on MutationCreateNodeSuccess { data { id } } } }`,
        { input: { name: `node-${n}`, kind: 'sensor' } },
      );
      nodeIds.push(Buffer.from(data.createNode.data.id, 'base64').toString().split(':')[1]!);
    }
    // Flow f watches node f, metric f % 10: 100 of the 1,000 pairs, one per node.
    for (let f = 0; f < FLOWS; f++) {
      await gql(`mutation($input: CreateFlowInput!) { createFlow(input: $input) { __typename } }`, {
        input: {
          name: `latency-${f}`,
          maxExecutions: Number(process.env.MAX_EXEC ?? 200),
          steps: [
            {
              key: 'reading',
              type: 'sensor_value',
              config: { metric: `m${f % METRICS}`, nodeId: nodeIds[f], operator: '>', value: 50 },
            },
            {
              key: 'raise',
              type: 'alert',
              config: { level: 'info', message: '{node_name}|{metric}|{value}' },
            },
          ],
          edges: [{ source: 'reading', target: 'raise' }],
        },
      });
    }
    const load = driveReadings((readings) =>
      gql(`mutation($r: [ReadingInput!]!) { ingestTelemetry(readings: $r) { __typename } }`, {
        r: readings,
      }),
    );
    const client = createClient({
      url: `ws://127.0.0.1:${server.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${API_KEY}` },
    });
    await new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription { alertRaised { message } }' },
        {
          next: (message) =>
            load.alerted((message.data as { alertRaised: { message: string } }).alertRaised.message),
          error: reject,
          complete: () => undefined,
        },
      );
      // The subscription is live once the server has attached it; give it a moment.
      setTimeout(resolve, 300);
    });
    const result = await load.run();
    await client.dispose();
    return result;
  } finally {
    await server.stop();
  }
}

async function nodeRedLatency(): Promise<LatencyResult> {
  const red = await startNodeRed();
  try {
    const load = driveReadings((readings) =>
      fetch(`${red.url}/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ readings }),
      }).then((response) => response.arrayBuffer()),
    );
    const socket = new WebSocket(`${red.url.replace('http', 'ws')}/ws/alerts`);
    socket.on('message', (data) => load.alerted(String(data)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const result = await load.run();
    socket.close();
    return result;
  } finally {
    await red.stop();
  }
}

function report(name: string, result: LatencyResult): void {
  const { sent, seconds, crossings, latencies } = result;
  console.log(
    `${name.padEnd(9)} ${sent} readings in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s); ` +
      `alerts ${latencies.length}/${crossings}; p50 ${percentile(latencies, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)?.toFixed(2)} ms`,
  );
}

export async function triggerLatencyBenchmark(): Promise<void> {
  const kinflow = await kinflowLatency();
  const nodeRed = await nodeRedLatency();
  report('Kinflow', kinflow);
  report('Node-RED', nodeRed);
  const p99 = (r: LatencyResult) => percentile(r.latencies, 99);
  console.log(`p99 Kinflow / Node-RED  ${(p99(kinflow) / p99(nodeRed)).toFixed(2)}×`);
  console.log('(reading batch sent → alert received by a WebSocket client; each server in its own process)');
}

if (import.meta.url === `file://${process.argv[1]}`) await triggerLatencyBenchmark();
