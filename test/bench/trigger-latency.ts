// Trigger-to-action latency: a reading arrives over GraphQL, its sensor_value trigger fires inline,
// the alert row is committed and the alertRaised event reaches a WebSocket client. Load: 1,000
// readings/s spread over 1,000 node/metric pairs (100 nodes × 10 metrics) with 100 enabled flows,
// each watching one pair whose value alternates across the threshold on every reading.
// Run: cd test && npx tsx bench/trigger-latency.ts   (SECONDS=… RATE=… to change the load)
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startServerProcess } from './server-process.js';
import { keyedGraphql, percentile } from './measure.js';

const SECONDS = Number(process.env.SECONDS ?? 10);
const RATE = Number(process.env.RATE ?? 1000);
const NODES = 100;
const METRICS = 10;
const FLOWS = 100;
const BATCHES_PER_SECOND = 50;
const API_KEY = 'kfk_benchmark_key_0123456789abcdef';

export async function triggerLatencyBenchmark(): Promise<void> {
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

    const sentAt = new Map<string, number>();
    let started = performance.now();
    const latencies: number[] = [];
    const client = createClient({
      url: `ws://127.0.0.1:${server.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${API_KEY}` },
    });
    await new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription { alertRaised { message } }' },
        {
          next: (message) => {
            const key = (message.data as { alertRaised: { message: string } }).alertRaised.message;
            const sent = sentAt.get(key);
            if (sent !== undefined) {
              latencies.push(performance.now() - sent);
              if (process.env.TRACE)
                console.log(`${(sent - started).toFixed(0)} ${(performance.now() - sent).toFixed(1)}`);
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
      // The subscription is live once the server has attached it; give it a moment.
      setTimeout(resolve, 300);
    });

    const perBatch = Math.round(RATE / BATCHES_PER_SECOND);
    const total = RATE * SECONDS;
    let sent = 0;
    let pair = 0;
    let sequence = 0;
    const pending: Promise<unknown>[] = [];
    started = performance.now();
    while (sent < total) {
      const readings = [];
      for (let i = 0; i < perBatch; i++, pair = (pair + 1) % (NODES * METRICS)) {
        const node = pair % NODES;
        const metric = Math.floor(pair / NODES);
        const watched = metric === node % METRICS;
        // Watched pairs alternate 40 / 51+: every second reading of a watched pair is a crossing.
        const round = Math.floor(sent / (NODES * METRICS));
        const value = watched && round % 2 === 1 ? 51 + (sequence++ % 1000) / 1000 : 40;
        readings.push({ node: `node-${node}`, metric: `m${metric}`, value });
        sent++;
      }
      const batchStart = performance.now();
      for (const reading of readings)
        if (reading.value > 50) sentAt.set(`${reading.node}|${reading.metric}|${reading.value}`, batchStart);
      pending.push(
        gql(`mutation($r: [ReadingInput!]!) { ingestTelemetry(readings: $r) { __typename } }`, {
          r: readings,
        }),
      );
      const due = started + (sent / RATE) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    for (let i = 0; i < 100 && latencies.length < sentAt.size; i++)
      await new Promise((r) => setTimeout(r, 50));
    await client.dispose();

    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `readings sent            ${sent} in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s)`,
    );
    console.log(`crossings / alerts seen  ${sentAt.size} / ${latencies.length}`);
    console.log(`latency p50              ${percentile(sorted, 50).toFixed(2)} ms`);
    console.log(`latency p99              ${percentile(sorted, 99).toFixed(2)} ms`);
    console.log(`latency max              ${sorted.at(-1)?.toFixed(2)} ms`);
    console.log(
      '(reading batch sent → alertRaised received by a WebSocket client; server in its own process)',
    );
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await triggerLatencyBenchmark();
