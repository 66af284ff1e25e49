// What users feel over HTTP, side by side with peers in the same run (ratios, not absolute times):
// - persisted runs/s through a webhook trigger and through `triggerFlow`, 20 concurrent, against
//   Node-RED 4's http-in → function → http-response flow (installed once into bench/.peers);
// - `flows(first: 50) { steps edges }` (50 flows × 5 steps) against Kinflow's own keyed
//   `{ __typename }`, and that against a bare graphql-yoga `hello`.
// Run: cd test && npx tsx bench/http.ts   (SECONDS=… CONNECTIONS=… to change the load)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../support/server-process.js';
import { createRunFlows } from './run-flows.js';
import { startNodeRed } from './peers/node-red.js';
import { startServerProcess } from './server-process.js';

const SECONDS = Number(process.env.SECONDS ?? 8);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const API_KEY = 'kfk_benchmark_key_0123456789abcdef';
// CASES=typename,flows runs only those (of webhook, trigger, hello, typename, flows); all by default.
const CASES = process.env.CASES?.split(',').map((name) => name.trim());
const wanted = (name: string) => !CASES || CASES.includes(name);

interface Measure {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU the server process spent per request (ms): less swayed than req/s by other load on the machine. */
  cpuPerRequest?: number;
}

/** User + system CPU time of a process so far, in ms (Linux; undefined elsewhere). */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

async function load(name: string, options: autocannon.Options, serverPid?: number): Promise<Measure> {
  const cpuBefore = cpuMs(serverPid);
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  const cpuAfter = cpuMs(serverPid);
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    name,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    cpuPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
        ? undefined
        : (cpuAfter - cpuBefore) / result.requests.total,
  };
}

const json = (body: unknown) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
  body: JSON.stringify(body),
});

async function startBareYoga(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'peers/bare-yoga.ts'), String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bare yoga exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/graphql`, stop: () => child.kill('SIGTERM') };
}

function row(measure: Measure, peer?: Measure): string {
  const ratio = peer ? `${(measure.perSecond / peer.perSecond).toFixed(2)}× ${peer.name}` : '';
  const cpu =
    measure.cpuPerRequest === undefined ? '' : `  server CPU ${measure.cpuPerRequest.toFixed(2)} ms/req`;
  const cpuRatio =
    peer?.cpuPerRequest && measure.cpuPerRequest
      ? ` (by server CPU ${(peer.cpuPerRequest / measure.cpuPerRequest).toFixed(2)}×)`
      : '';
  return `${measure.name.padEnd(44)} ${measure.perSecond.toFixed(0).padStart(7)}/s  p50 ${String(measure.p50).padStart(4)} ms  p99 ${String(measure.p99).padStart(4)} ms  errors ${measure.errors}${cpu}  ${ratio}${cpuRatio}`;
}

export async function httpBenchmark(): Promise<void> {
  const server = await startServerProcess({
    KINFLOW_API_KEY: API_KEY,
    KINFLOW_WEBHOOK_BURST: '10000',
    KINFLOW_WEBHOOK_RATE_PER_MINUTE: '600000',
  });
  const url = `http://127.0.0.1:${server.port}`;
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${url}/graphql`, json({ query, variables }));
    const body = (await response.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const createFlow = async (input: Record<string, unknown>) => {
    const data = await gql(
      `mutation($input: CreateFlowInput!) { createFlow(input: $input) { __typename ... on MutationCreateFlowSuccess { data { id } } ... on Error { message } } }`,
      { input: { maxExecutions: 100_000, maxConcurrentRuns: 1000, ...input } },
    );
    if (!data.createFlow.data) throw new Error(JSON.stringify(data.createFlow));
    return data.createFlow.data.id as string;
  };
  const nodeRed = wanted('webhook') || wanted('trigger') ? await startNodeRed() : null;
  const yoga = wanted('hello') ? await startBareYoga() : null;
  try {
    const { hookFlow, hookPath, manualFlow } = await createRunFlows(gql, createFlow);
    for (let f = 0; f < 50; f++) {
      const steps = [
        { key: 'start', type: 'manual' },
        ...[1, 2, 3, 4].map((n) => ({ key: `s${n}`, type: 'log', config: { message: `step ${n}` } })),
      ];
      const edges = [1, 2, 3, 4].map((n) => ({ source: n === 1 ? 'start' : `s${n - 1}`, target: `s${n}` }));
      await createFlow({ name: `bench-list-${f}`, steps, edges });
    }

    const body = JSON.stringify({ i: 1 });
    const postJson = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
    const red = nodeRed
      ? await load(`Node-RED ${nodeRed.version} http-in flow`, { url: `${nodeRed.url}/hook`, ...postJson })
      : undefined;
    const hook = wanted('webhook')
      ? await load('Kinflow webhook trigger', { url: `${url}${hookPath}`, ...postJson })
      : undefined;
    const trigger = wanted('trigger')
      ? await load('Kinflow triggerFlow over GraphQL', {
          url: `${url}/graphql`,
          ...json({
            query: `mutation($id: ID!) { triggerFlow(id: $id, payload: { i: 1 }) { __typename } }`,
            variables: { id: manualFlow },
          }),
        })
      : undefined;
    const hello = yoga
      ? await load('bare graphql-yoga { hello }', { url: yoga.url, ...json({ query: '{ hello }' }) })
      : undefined;
    const typename = wanted('typename')
      ? await load(
          'Kinflow keyed { __typename }',
          { url: `${url}/graphql`, ...json({ query: '{ __typename }' }) },
          server.pid,
        )
      : undefined;
    const LIST = `{ flows(first: 50) { edges { node { id name steps { key type label config } edges { source target sourcePort } } } } }`;
    if (wanted('flows')) {
      // A list that answered with errors would look fast; check the shape once before loading it.
      const page = await gql(LIST);
      const steps = page.flows.edges.reduce((sum: number, edge: any) => sum + edge.node.steps.length, 0);
      if (page.flows.edges.length !== 50 || steps !== 250) throw new Error(`unexpected page: ${steps} steps`);
    }
    const list = wanted('flows')
      ? await load(
          'Kinflow flows(first: 50) { steps edges }',
          {
            url: `${url}/graphql`,
            ...json({ query: LIST }),
          },
          server.pid,
        )
      : undefined;
    const persisted = await gql(
      `query($h: ID!, $m: ID!) { h: executions(flowId: $h) { totalCount } m: executions(flowId: $m) { totalCount } }`,
      { h: hookFlow, m: manualFlow },
    ).catch((error: unknown) => ({ error: String(error) }));

    console.log(
      `${CONNECTIONS} connections, ${SECONDS} s each, server in its own process (NODE_ENV=production)`,
    );
    if (red) console.log(row(red));
    if (hook) console.log(row(hook, red));
    if (trigger) console.log(row(trigger, red));
    if (hello) console.log(row(hello));
    if (typename) console.log(row(typename, hello));
    if (list) console.log(row(list, typename));
    console.log('runs recorded:', JSON.stringify(persisted));
  } finally {
    yoga?.stop();
    await nodeRed?.stop();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await httpBenchmark();
