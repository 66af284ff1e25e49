// The two run cases of bench/http.ts only (webhook trigger and `triggerFlow`, against Node-RED's
// http-in flow in the same run), for quick measurement and profiling while working on them.
// Run: cd test && npx tsx bench/http-runs.ts   (BENCH_PROFILE=<dir> writes the server's CPU profile;
// ONLY=hook|trigger measures one case without Node-RED, ROUNDS=… slices, SECONDS=… per case)
import autocannon from 'autocannon';
import { cpuMs } from './measure.js';
import { createRunFlows } from './run-flows.js';
import { startNodeRed } from './peers/node-red.js';
import { startServerProcess } from './server-process.js';

const SECONDS = Number(process.env.SECONDS ?? 8);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20);
const API_KEY = 'kfk_benchmark_key_0123456789abcdef';
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const ONLY = process.env.ONLY; // 'hook' | 'trigger' to profile one load at a time

interface Measure {
  name: string;
  perSecond: number;
  p99: number;
  errors: number;
  /** CPU the serving process spent per answered request, in µs (its runs' work after the answer included). */
  cpuPerRequest: number;
}

async function slice(pid: number, options: autocannon.Options, seconds: number) {
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: seconds, ...options });
  // Runs admitted at the end are still finishing; let them, so their cost is counted.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { result, cpu: cpuMs(pid) - cpuBefore };
}

/**
 * The cases take turns in ROUNDS short slices (Node-RED, webhook, triggerFlow, Node-RED, …), so a
 * change in what else the machine runs falls on all of them alike. p99 is the mean of the slices' p99.
 */
async function measureAll(cases: Array<{ name: string; pid: number; options: autocannon.Options }>) {
  const totals = cases.map(() => ({ requests: 0, seconds: 0, p99: 0, errors: 0, cpu: 0 }));
  const seconds = Math.max(1, Math.round(SECONDS / ROUNDS));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of cases.entries()) {
      const { result, cpu } = await slice(c.pid, c.options, seconds);
      const total = totals[i]!;
      total.requests += result.requests.total;
      total.seconds += result.duration;
      total.p99 += result.latency.p99 / ROUNDS;
      total.errors += result.errors + result.timeouts + result.non2xx;
      total.cpu += cpu;
    }
  }
  return cases.map((c, i): Measure => ({
    name: c.name,
    perSecond: totals[i]!.requests / totals[i]!.seconds,
    p99: Math.round(totals[i]!.p99),
    errors: totals[i]!.errors,
    cpuPerRequest: (totals[i]!.cpu * 1000) / Math.max(1, totals[i]!.requests),
  }));
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
  KINFLOW_WEBHOOK_BURST: '10000',
  KINFLOW_WEBHOOK_RATE_PER_MINUTE: '600000',
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
  const { hookFlow, hookPath, manualFlow } = await createRunFlows(gql, createFlow);
  const postJson = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ i: 1 }),
  };
  const cases = [
    ...(nodeRed
      ? [
          {
            name: `Node-RED ${nodeRed.version}`,
            pid: nodeRed.pid,
            options: { url: `${nodeRed.url}/hook`, ...postJson },
          },
        ]
      : []),
    ...(ONLY !== 'trigger'
      ? [
          {
            name: 'Kinflow webhook trigger',
            pid: server.pid,
            options: { url: `${url}${hookPath}`, ...postJson },
          },
        ]
      : []),
    ...(ONLY !== 'hook'
      ? [
          {
            name: 'Kinflow triggerFlow',
            pid: server.pid,
            options: {
              url: `${url}/graphql`,
              ...keyed({
                query: `mutation($id: ID!) { triggerFlow(id: $id, payload: { i: 1 }) { __typename } }`,
                variables: { id: manualFlow },
              }),
            },
          },
        ]
      : []),
  ];
  const measures = await measureAll(cases);
  const red = nodeRed ? measures[0] : undefined;
  const persisted = await gql(
    `query($h: ID!, $m: ID!) { h: executions(flowId: $h) { totalCount } m: executions(flowId: $m) { totalCount } }`,
    { h: hookFlow, m: manualFlow },
  );
  console.log(`${CONNECTIONS} connections, ${SECONDS} s each in ${ROUNDS} alternating slices`);
  for (const measure of measures) console.log(row(measure, measure === red ? undefined : red));
  console.log('runs recorded:', JSON.stringify(persisted));
} finally {
  await nodeRed?.stop();
  await server.stop();
}
