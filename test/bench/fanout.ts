// Subscription fan-out against a bare graphql-ws baseline, in the same run: 1,000 graphql-ws clients
// subscribe to the bare server's `published` (10 events/s), then to Kinflow's `alertRaised` (10 alerts/s,
// one per run) and `pipelineExecutionEvents` (runs of a 3-step flow, ~10 events/s), each server in its
// own process. Delivery latency = received − the event's own timestamp; the ratio is Kinflow's p99
// over the baseline's. Run: cd test && npx tsx bench/fanout.ts   (SUBSCRIBERS=… SECONDS=…)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { freePort } from '../support/server-process.js';
import { startServerProcess } from './server-process.js';
import { keyedGraphql, percentile, rssMb } from './measure.js';

const API_KEY = 'kfk_benchmark_key_0123456789abcdef';
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 10);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Result {
  p50: number;
  p99: number;
  deliveries: number;
  events: number;
  rssBefore: number;
  rssPeak: number;
}

/** Subscribes SUBSCRIBERS clients, waits, measures for SECONDS while `load` runs, then disconnects. */
async function measure(options: {
  url: string;
  pid: number;
  query: string;
  at: (data: any) => string | undefined;
  load?: () => () => Promise<void>;
}): Promise<Result> {
  const clients: Client[] = [];
  const latencies: number[] = [];
  let events = 0;
  let measuring = false;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const client = createClient({
      url: options.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${API_KEY}` },
      retryAttempts: 0,
    });
    clients.push(client);
    client.subscribe(
      { query: options.query },
      {
        next: (message) => {
          const at = options.at(message.data);
          if (!measuring || !at) return;
          latencies.push(Date.now() - Date.parse(at));
          if (i === 0) events++;
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  }
  await sleep(3000);
  const rssBefore = rssMb(options.pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(options.pid))), 250);
  measuring = true;
  const stopLoad = options.load?.();
  await sleep(SECONDS * 1000);
  await stopLoad?.();
  await sleep(2000);
  measuring = false;
  clearInterval(sampler);
  await Promise.all(clients.map((client) => client.dispose()));
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    deliveries: latencies.length,
    events,
    rssBefore,
    rssPeak,
  };
}

function print(name: string, result: Result, baseline?: Result): void {
  const ratio = baseline
    ? `  p99 ${(result.p99 / Math.max(1, baseline.p99)).toFixed(1)}× bare graphql-ws`
    : '';
  console.log(
    `${name.padEnd(34)} ${String(result.events).padStart(4)} events → ${result.deliveries} deliveries ` +
      // Deliveries later than the 2 s drain are not counted, so a p99 only holds with none missing.
      `(${Math.max(0, result.events * SUBSCRIBERS - result.deliveries)} missing)  ` +
      `p50 ${String(result.p50).padStart(5)} ms  p99 ${String(result.p99).padStart(5)} ms  ` +
      `RSS ${result.rssBefore.toFixed(0)} → ${result.rssPeak.toFixed(0)} MB${ratio}`,
  );
}

async function startBareWs(): Promise<{ url: string; pid: number; stop(): void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'peers/bare-ws.ts'), String(port), '10'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bare graphql-ws exited with ${code}`)));
  });
  return { url: `ws://127.0.0.1:${port}/graphql`, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

export async function fanoutBenchmark(): Promise<void> {
  const bare = await startBareWs();
  let baseline: Result;
  try {
    baseline = await measure({
      url: bare.url,
      pid: bare.pid,
      query: 'subscription { published { at } }',
      at: (data) => data?.published?.at,
    });
  } finally {
    bare.stop();
  }
  print(`bare graphql-ws, ${SUBSCRIBERS} subscribers`, baseline);

  const server = await startServerProcess({ KINFLOW_API_KEY: API_KEY });
  const gql = keyedGraphql(server.port, API_KEY);
  const createFlow = async (name: string, steps: unknown[], edges: unknown[]) =>
    (
      await gql(
        `mutation($input: CreateFlowInput!) { createFlow(input: $input) { ... on MutationCreateFlowSuccess { data { id } } } }`,
        { input: { name, maxExecutions: 100_000, steps, edges } },
      )
    ).createFlow.data.id as string;
  // Open-loop: a trigger every interval whether or not the last one was answered.
  const triggering = (flowId: string, runsPerSecond: number) => () => {
    const pending: Array<Promise<unknown>> = [];
    const ticker = setInterval(
      () =>
        pending.push(
          gql(`mutation($id: ID!) { triggerFlow(id: $id) { __typename } }`, { id: flowId }).catch(
            () => undefined,
          ),
        ),
      1000 / runsPerSecond,
    );
    return async () => {
      clearInterval(ticker);
      await Promise.all(pending);
    };
  };
  try {
    const alerting = await createFlow(
      'fan-out alerts',
      [
        { key: 'start', type: 'manual' },
        { key: 'raise', type: 'alert', config: { level: 'info', message: 'fan-out' } },
      ],
      [{ source: 'start', target: 'raise' }],
    );
    const stepping = await createFlow(
      'fan-out steps',
      [
        { key: 'start', type: 'manual' },
        { key: 'one', type: 'log', config: { message: 'one' } },
        { key: 'two', type: 'log', config: { message: 'two' } },
      ],
      [
        { source: 'start', target: 'one' },
        { source: 'one', target: 'two' },
      ],
    );
    const url = `ws://127.0.0.1:${server.port}/graphql`;
    const alerts = await measure({
      url,
      pid: server.pid,
      query: 'subscription { alertRaised { id level message createdAt } }',
      at: (data) => data?.alertRaised?.createdAt,
      load: triggering(alerting, 10),
    });
    print(`alertRaised, ${SUBSCRIBERS} subscribers`, alerts, baseline);
    const steps = await measure({
      url,
      pid: server.pid,
      query: `subscription { pipelineExecutionEvents { ... on PipelineExecutionEvent { seq at cursor } } }`,
      at: (data) => data?.pipelineExecutionEvents?.at,
      load: triggering(stepping, 10 / 7),
    });
    print(`pipelineExecutionEvents, ${SUBSCRIBERS} subs.`, steps, baseline);
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await fanoutBenchmark();
