// Replay after reconnect and live fan-out of execution events.
// 1. A client that missed 10,000 events (2,000 runs × 5) subscribes with `after` and catches up:
//    time to caught-up and events per second.
// 2. 1,000 graphql-ws subscribers while runs publish 100 events/s: delivery latency (event `at` →
//    received) p50/p99 and the server's resident memory.
// Run: cd test && npx tsx bench/replay.ts   (SUBSCRIBERS=… SECONDS=… to change the load)
import { createRequire } from 'node:module';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startServerProcess } from './server-process.js';
import { keyedGraphql, percentile, rssMb } from './measure.js';

const API_KEY = 'kfk_benchmark_key_0123456789abcdef';
const MISSED_RUNS = Number(process.env.MISSED_RUNS ?? 2000);
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 10);
const RUNS_PER_SECOND = 20; // × 5 events per run = 100 events/s

// The server's own SQLite driver, to time reading the same rows without GraphQL or a socket.
const Database = createRequire(new URL('../../server/package.json', import.meta.url))(
  'better-sqlite3',
) as new (
  file: string,
  options: { readonly: boolean },
) => { prepare(sql: string): { all(): unknown[] }; close(): void };

export async function replayBenchmark(): Promise<void> {
  const server = await startServerProcess({ KINFLOW_API_KEY: API_KEY });
  const gql = keyedGraphql(server.port, API_KEY);
  const connect = (): Client =>
    createClient({
      url: `ws://127.0.0.1:${server.port}/graphql`,
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
    const db = new Database(path.join(server.dataDir, 'kinflow.sqlite'), { readonly: true });
    const readStarted = performance.now();
    const rows = db.prepare('select * from flow_execution_events order by id').all().length;
    const readMs = performance.now() - readStarted;
    db.close();
    console.log(
      `replay: ${expected} missed events caught up in ${(seconds * 1000).toFixed(0)} ms (${Math.round(expected / seconds)} events/s); ` +
        `reading the ${rows} rows alone: ${readMs.toFixed(0)} ms`,
    );

    // 2. Fan-out to many subscribers. The load is open-loop (a trigger every 50 ms whether or not the
    // last one was answered), so a slow server shows as latency, not as a quietly lower event rate.
    const clients: Client[] = [];
    const latencies: number[] = [];
    const firstClientSaw = new Set<string>();
    let measuring = false;
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = connect();
      clients.push(client);
      client.subscribe(
        { query: QUERY, variables: {} },
        {
          next: (message) => {
            const event = (message.data as any)?.pipelineExecutionEvents;
            if (!measuring || !event?.at) return;
            latencies.push(Date.now() - Date.parse(event.at));
            if (i === 0) firstClientSaw.add(event.cursor);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    measuring = true;
    let rss = 0;
    let triggered = 0;
    let refused = 0;
    const sampler = setInterval(() => (rss = Math.max(rss, rssMb(server.pid))), 500);
    const pending: Array<Promise<unknown>> = [];
    const ticker = setInterval(() => {
      triggered++;
      pending.push(
        gql(TRIGGER, { id: flowId }).then(
          (data) => data.triggerFlow.__typename === 'MutationTriggerFlowSuccess' || refused++,
          () => refused++,
        ),
      );
    }, 1000 / RUNS_PER_SECOND);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    clearInterval(ticker);
    await Promise.all(pending);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    clearInterval(sampler);
    measuring = false;
    latencies.sort((a, b) => a - b);
    const events = firstClientSaw.size;
    console.log(
      `fan-out: ${SUBSCRIBERS} subscribers, ${triggered} runs triggered over ${SECONDS} s (${refused} refused), ` +
        `${events} events (${(events / SECONDS).toFixed(0)} events/s); ${latencies.length} of ${events * SUBSCRIBERS} deliveries, ` +
        `p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, server RSS ≤ ${rss.toFixed(0)} MB`,
    );
    await Promise.all(clients.map((client) => client.dispose()));
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await replayBenchmark();
