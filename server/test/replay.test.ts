import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFlowOrFail } from './fixtures.js';
import { API_KEY, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const TRIGGER = `mutation($id: ID!, $payload: JSONObject) { triggerFlow(id: $id, payload: $payload) {
  ... on MutationTriggerFlowSuccess { data { id } } } }`;
const GET = `query($id: ID!) { execution(id: $id) { status } }`;
const EVENTS = `subscription($flowId: ID, $after: String) { pipelineExecutionEvents(flowId: $flowId, after: $after) {
  __typename ... on PipelineExecutionEvent { executionId seq kind status stepKey cursor } ... on ReplayUnavailable { message oldestCursor } } }`;

interface Item {
  __typename: string;
  executionId?: string;
  seq?: number;
  kind?: string;
  status?: string;
  cursor?: string;
  oldestCursor?: string | null;
}

const connect = (target: TestServer): Client =>
  createClient({
    url: `ws://127.0.0.1:${target.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${API_KEY}` },
  });

/** Collects the subscription's items until `until` says stop (bounded by a timeout). */
function collect(client: Client, variables: Record<string, unknown>, until: (items: Item[]) => boolean) {
  const items: Item[] = [];
  const done = new Promise<Item[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${items.length} items`)), 10_000);
    const stop = client.subscribe(
      { query: EVENTS, variables },
      {
        next: (message) => {
          if (message.errors) return reject(new Error(JSON.stringify(message.errors)));
          items.push((message.data as { pipelineExecutionEvents: Item }).pipelineExecutionEvents);
          if (until(items)) {
            clearTimeout(timer);
            stop();
            resolve(items);
          }
        },
        error: reject,
        complete: () => resolve(items),
      },
    );
  });
  return { items, done };
}

const finished = (id: string) => (items: Item[]) =>
  items.some((e) => e.executionId === id && e.kind === 'EXECUTION' && e.status === 'COMPLETED');

async function settled(target: TestServer, id: string) {
  for (let i = 0; i < 200; i++) {
    const run = (await target.gql(GET, { id })).data.execution;
    if (run?.status === 'COMPLETED') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} did not settle`);
}

const trigger = async (target: TestServer, flowId: string) =>
  (await target.gql(TRIGGER, { id: flowId, payload: {} })).data.triggerFlow.data.id as string;

const steps = [
  { key: 'start', type: 'manual' },
  { key: 'note', type: 'log', config: { message: 'hello' } },
];
const edges = [{ source: 'start', target: 'note' }];

describe('cursor replay of execution events', () => {
  it('replays what a client missed, then goes live, with no event twice', async () => {
    const flowId = await createFlowOrFail(server, 'Replayed', steps, edges);
    // First visit: see one run through, remember the last cursor.
    const first = connect(server);
    const seen = collect(first, { flowId }, (items) =>
      items.some((e) => e.status === 'COMPLETED' && e.kind === 'EXECUTION'),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const run1 = await trigger(server, flowId);
    const before = await seen.done;
    await first.dispose();
    const lastCursor = before.at(-1)!.cursor!;
    expect(before.every((e) => e.executionId === run1)).toBe(true);

    // Away: two runs finish meanwhile.
    const run2 = await trigger(server, flowId);
    const run3 = await trigger(server, flowId);
    await settled(server, run2);
    await settled(server, run3);

    // Back with the cursor: the missed events come first, then a live run.
    const again = connect(server);
    const resumed = collect(again, { flowId, after: lastCursor }, (items) => !!run4 && finished(run4)(items));
    let run4 = '';
    const replayedBoth = () => [run2, run3].every((id) => finished(id)(resumed.items));
    for (let i = 0; i < 200 && !replayedBoth(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(replayedBoth()).toBe(true);
    run4 = await trigger(server, flowId);
    const after = await resumed.done;
    await again.dispose();

    expect(after.every((e) => e.__typename === 'PipelineExecutionEvent')).toBe(true);
    expect(after.some((e) => e.executionId === run1)).toBe(false);
    const cursors = after.map((e) => Number(e.cursor));
    expect(cursors[0]).toBeGreaterThan(Number(lastCursor));
    // Strictly increasing: nothing duplicated at the seam between replay and live.
    expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1]!)).toBe(true);
    for (const id of [run2, run3, run4]) {
      const seqs = after.filter((e) => e.executionId === id).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });

  it('tells a client whose cursor is older than the kept log, then streams live', async () => {
    const small = await startTestServer({ env: { KINFLOW_EVENT_LOG_SIZE: '10' } });
    try {
      const flowId = await createFlowOrFail(small, 'Trimmed', steps, edges);
      // Each run publishes 5 events, so four runs overflow a log of 10.
      for (let i = 0; i < 4; i++) await settled(small, await trigger(small, flowId));
      const client = connect(small);
      let live = '';
      const items = collect(client, { flowId, after: '1' }, (all) => !!live && finished(live)(all));
      await new Promise((resolve) => setTimeout(resolve, 150));
      live = await trigger(small, flowId);
      const got = await items.done;
      await client.dispose();
      expect(got[0]!.__typename).toBe('ReplayUnavailable');
      expect(Number(got[0]!.oldestCursor)).toBeGreaterThan(1);
      expect(got.slice(1).every((e) => e.executionId === live)).toBe(true);
    } finally {
      await small.stop();
    }
  });
});

describe('runs filters and attention', () => {
  it('filters runs by active, status and trigger type, names their flow and counts them', async () => {
    const flowId = await createFlowOrFail(
      server,
      'Waiting filter',
      [
        { key: 'start', type: 'manual' },
        { key: 'pause', type: 'wait', config: { seconds: 3600 } },
      ],
      [{ source: 'start', target: 'pause' }],
    );
    const waiting = await trigger(server, flowId);
    for (let i = 0; i < 200; i++) {
      if ((await server.gql(GET, { id: waiting })).data.execution.status === 'WAITING') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const RUNS = `query($flowId: ID, $active: Boolean, $type: [String!]) {
      executions(flowId: $flowId, active: $active, triggerType: $type, first: 10) {
        totalCount edges { node { id status flowName } } } }`;
    const active = (await server.gql(RUNS, { flowId, active: true })).data.executions;
    expect(active.totalCount).toBe(1);
    expect(active.edges[0].node).toEqual({ id: waiting, status: 'WAITING', flowName: 'Waiting filter' });
    expect((await server.gql(RUNS, { flowId, active: false })).data.executions.totalCount).toBe(0);
    expect((await server.gql(RUNS, { flowId, type: ['schedule'] })).data.executions.totalCount).toBe(0);
    expect((await server.gql(RUNS, { flowId, type: ['manual'] })).data.executions.totalCount).toBe(1);
  });

  it('acknowledges alerts in one call, counts open ones by level and lists what needs attention', async () => {
    const flowId = await createFlowOrFail(
      server,
      'Alerting',
      [
        { key: 'start', type: 'manual' },
        { key: 'sos', type: 'alert', config: { level: 'emergency', message: 'Help needed' } },
        { key: 'warn', type: 'alert', config: { level: 'warning', message: 'Door open' } },
      ],
      [
        { source: 'start', target: 'sos' },
        { source: 'sos', target: 'warn' },
      ],
    );
    await settled(server, await trigger(server, flowId));
    await settled(server, await trigger(server, flowId));
    const COUNTS = `{ unacknowledgedAlertCounts { emergency warning total } }`;
    expect((await server.gql(COUNTS)).data.unacknowledgedAlertCounts).toEqual({
      emergency: 2,
      warning: 2,
      total: 4,
    });
    const attention = (await server.gql(`{ needsAttention { alerts { id level } offlineNodes { id } } }`))
      .data.needsAttention;
    expect(attention.alerts.map((a: { level: string }) => a.level)).toEqual([
      'EMERGENCY',
      'EMERGENCY',
      'WARNING',
      'WARNING',
    ]);
    const ACK = `mutation($ids: [ID!]!) { acknowledgeAlerts(ids: $ids) {
      __typename ... on MutationAcknowledgeAlertsSuccess { data { id acknowledged } } ... on Error { message } } }`;
    const bogus = await server.gql(ACK, {
      ids: [attention.alerts[0].id, attention.alerts[0].id.slice(0, -2) + 'xx'],
    });
    expect(bogus.data?.acknowledgeAlerts?.__typename ?? 'error').not.toBe('MutationAcknowledgeAlertsSuccess');
    expect((await server.gql(COUNTS)).data.unacknowledgedAlertCounts.total).toBe(4);
    const acked = await server.gql(ACK, {
      ids: attention.alerts.slice(0, 3).map((a: { id: string }) => a.id),
    });
    expect(acked.data.acknowledgeAlerts.data.every((a: { acknowledged: boolean }) => a.acknowledged)).toBe(
      true,
    );
    expect((await server.gql(COUNTS)).data.unacknowledgedAlertCounts).toEqual({
      emergency: 0,
      warning: 1,
      total: 1,
    });
  });

  it('lists failed runs since the person last looked', async () => {
    const flowId = await createFlowOrFail(
      server,
      'Failing',
      [
        { key: 'start', type: 'manual' },
        // The outbound policy refuses loopback, and the default error strategy fails the run.
        { key: 'call', type: 'http', config: { url: 'http://127.0.0.1:9/' } },
      ],
      [{ source: 'start', target: 'call' }],
    );
    const token = await server.loginAs('admin@example.test', 'correct-horse-battery');
    const FAILED = `{ needsAttention { failedRuns { id flowName status } } }`;
    await server.gql(`mutation { markAttentionSeen }`, {}, token);
    const id = await trigger(server, flowId);
    for (let i = 0; i < 200; i++) {
      if ((await server.gql(GET, { id })).data.execution.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const listed = (await server.gql(FAILED, {}, token)).data.needsAttention.failedRuns;
    expect(listed).toEqual([{ id, flowName: 'Failing', status: 'FAILED' }]);
    await server.gql(`mutation { markAttentionSeen }`, {}, token);
    expect((await server.gql(FAILED, {}, token)).data.needsAttention.failedRuns).toEqual([]);
  });
});
