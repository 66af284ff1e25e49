// Replay after reconnect and live fan-out of execution events.
// 1. A client that missed 10,000 events (2,000 runs × 5) subscribes with `after` and catches up:
//    time to caught-up and events per second.
// 2. 1,000 graphql-ws subscribers while runs publish 100 events/s: delivery latency (event `at` →
//    received) p50/p99 and the server's resident memory.
// Run: cd test && npx tsx bench/replay.ts   (SUBSCRIBERS=… SECONDS=… to change the load)
import fs from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startServerProcess } from './server-process.js';

const API_KEY = 'kfk_benchmark_key_0123456789abcdef';
const MISSED_RUNS = Number(process.env.MISSED_RUNS ?? 2000);
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 10);
const RUNS_PER_SECOND = 20; // × 5 events per run = 100 events/s

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export async function replayBenchmark(): Promise<void> {
  const server = await startServerProcess({ KINFLOW_API_KEY: API_KEY });
  const endpoint = `http://127.0.0.1:${server.port}/graphql`;
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await response.json()) as { data?: any; errors?: unknown };
    if (json.errors) throw new Error(JSON.stringify(json.errors));
    return json.data;
  };
  const connect = (): Client =>
    createClient({
      url: endpoint.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${API_KEY}` },
    });
  const TRIGGER = `mutation($id: ID!) { triggerFlow(id: $id) { __typename } }`;
  const QUERY = `subscription($after: String) { pipelineExecutionEvents(after: $after) {
    ... on PipelineExecutionEvent { seq at cursor } ... on ReplayUnavailable { message } } }`;

  try {
    const created = await gql(
      `mutation($input: CreateFlowInput!) { createFlow(input: $input) { ... on MutationCreateFlowSuccess { data { id } } } }`,
      {
        input: {
          name: 'replayed',
          maxExecutions: 100_000,
          steps: [
            { key: 'start', type: 'manual' },
            { key: 'note', type: 'log', config: { message: 'hello' } },
          ],
          edges: [{ source: 'start', target: 'note' }],
        },
      },
    );
    const flowId = created.createFlow.data.id as string;

    // 1. Missed events, then catch up.
    for (let i = 0; i < MISSED_RUNS; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, MISSED_RUNS - i) }, () => gql(TRIGGER, { id: flowId })),
      );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const expected = MISSED_RUNS * 5;
    const catcher = connect();
    const started = performance.now();
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`caught up only ${received} of ${expected}`)), 120_000);
      catcher.subscribe(
        { query: QUERY, variables: { after: '0' } },
        {
          next: () => {
            if (++received === expected) {
              clearTimeout(timer);
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    const seconds = (performance.now() - started) / 1000;
    await catcher.dispose();
    console.log(
      `replay: ${expected} missed events caught up in ${(seconds * 1000).toFixed(0)} ms (${Math.round(expected / seconds)} events/s)`,
    );

    // 2. Fan-out to many subscribers.
    const clients: Client[] = [];
    const latencies: number[] = [];
    let measuring = false;
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = connect();
      clients.push(client);
      client.subscribe(
        { query: QUERY, variables: {} },
        {
          next: (message) => {
            const at = (message.data as any)?.pipelineExecutionEvents?.at;
            if (measuring && at) latencies.push(Date.now() - Date.parse(at));
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    measuring = true;
    const end = Date.now() + SECONDS * 1000;
    let rss = 0;
    while (Date.now() < end) {
      const tick = Date.now();
      await Promise.all(Array.from({ length: RUNS_PER_SECOND / 10 }, () => gql(TRIGGER, { id: flowId })));
      rss = Math.max(rss, rssMb(server.pid));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tick))));
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    measuring = false;
    latencies.sort((a, b) => a - b);
    console.log(
      `fan-out: ${SUBSCRIBERS} subscribers, ${RUNS_PER_SECOND * 5} events/s for ${SECONDS} s: ${latencies.length} deliveries, ` +
        `p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, server RSS ≤ ${rss.toFixed(0)} MB`,
    );
    await Promise.all(clients.map((client) => client.dispose()));
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await replayBenchmark();
