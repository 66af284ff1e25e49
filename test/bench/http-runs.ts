// The two run cases of bench/http.ts only (webhook trigger and `triggerFlow`, against Node-RED's
// http-in flow in the same run), for quick measurement and profiling while working on them.
// Run: cd test && npx tsx bench/http-runs.ts   (BENCH_PROFILE=<dir> writes the server's CPU profile)
import autocannon from 'autocannon';
import { cpuMs } from './measure.js';
import { startNodeRed } from './peers/node-red.js';
import { startServerProcess } from './server-process.js';

const SECONDS = Number(process.env.SECONDS ?? 8);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const API_KEY = 'kfk_benchmark_key_0123456789abcdef';
const ONLY = process.env.ONLY; // 'hook' | 'trigger' to profile one load at a time

interface Measure {
  name: string;
  perSecond: number;
  p99: number;
  errors: number;
  /** CPU the serving process spent per answered request, in µs (its runs' work after the answer included). */
  cpuPerRequest: number;
}

async function load(name: string, pid: number, options: autocannon.Options): Promise<Measure> {
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  // Runs admitted at the end are still finishing; let them, so their cost is counted.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cpuPerRequest = ((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  const errors = result.errors + result.timeouts + result.non2xx;
  return { name, perSecond: result.requests.average, p99: result.latency.p99, errors, cpuPerRequest };
}

const keyed = (body: unknown) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
  body: JSON.stringify(body),
});

const row = (m: Measure, peer?: Measure) =>
  `${m.name.padEnd(26)} ${m.perSecond.toFixed(0).padStart(6)}/s  p99 ${String(m.p99).padStart(4)} ms  ` +
  `CPU ${m.cpuPerRequest.toFixed(0).padStart(4)} µs/request  errors ${m.errors}` +
  (peer
    ? `  ${(m.perSecond / peer.perSecond).toFixed(2)}× (p99 ${(m.p99 / peer.p99).toFixed(2)}×, CPU ${(m.cpuPerRequest / peer.cpuPerRequest).toFixed(2)}×)`
    : '');

const server = await startServerProcess({
  KINFLOW_API_KEY: API_KEY,
  KINFLOW_WEBHOOK_BURST: '100000',
  KINFLOW_WEBHOOK_RATE_PER_MINUTE: '6000000',
});
const url = `http://127.0.0.1:${server.port}`;
const gql = async (query: string, variables?: Record<string, unknown>) => {
  const body = (await (await fetch(`${url}/graphql`, keyed({ query, variables }))).json()) as any;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};
const createFlow = async (input: Record<string, unknown>) => {
  const data = await gql(
    `mutation($input: CreateFlowInput!) { createFlow(input: $input) { ... on MutationCreateFlowSuccess { data { id } } } }`,
    { input: { maxExecutions: 100_000, maxConcurrentRuns: 1000, ...input } },
  );
  return data.createFlow.data.id as string;
};
const nodeRed = ONLY ? undefined : await startNodeRed();
try {
  const hookFlow = await createFlow({
    name: 'bench-webhook',
    steps: [
      { key: 'hook', type: 'webhook' },
      { key: 'note', type: 'log', config: { message: 'ring {{ trigger.payload.body.i }}' } },
    ],
    edges: [{ source: 'hook', target: 'note' }],
  });
  const issued = await gql(
    `mutation($flowId: ID!) { issueWebhookUrl(flowId: $flowId, stepKey: "hook") { ... on MutationIssueWebhookUrlSuccess { data { path } } } }`,
    { flowId: hookFlow },
  );
  const manualFlow = await createFlow({
    name: 'bench-trigger',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'note', type: 'log', config: { message: 'by hand {{ trigger.payload.i }}' } },
    ],
    edges: [{ source: 'start', target: 'note' }],
  });
  const postJson = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ i: 1 }),
  };
  const red =
    nodeRed &&
    (await load(`Node-RED ${nodeRed.version}`, nodeRed.pid, { url: `${nodeRed.url}/hook`, ...postJson }));
  const hook =
    ONLY !== 'trigger' &&
    (await load('Kinflow webhook trigger', server.pid, {
      url: `${url}${issued.issueWebhookUrl.data.path}`,
      ...postJson,
    }));
  const trigger =
    ONLY !== 'hook' &&
    (await load('Kinflow triggerFlow', server.pid, {
      url: `${url}/graphql`,
      ...keyed({
        query: `mutation($id: ID!) { triggerFlow(id: $id, payload: { i: 1 }) { __typename } }`,
        variables: { id: manualFlow },
      }),
    }));
  const persisted = await gql(
    `query($h: ID!, $m: ID!) { h: executions(flowId: $h) { totalCount } m: executions(flowId: $m) { totalCount } }`,
    { h: hookFlow, m: manualFlow },
  );
  console.log(`${CONNECTIONS} connections, ${SECONDS} s each`);
  if (red) console.log(row(red));
  if (hook) console.log(row(hook, red));
  if (trigger) console.log(row(trigger, red));
  console.log('runs recorded:', JSON.stringify(persisted));
} finally {
  await nodeRed?.stop();
  await server.stop();
}
