import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFlowOrFail } from './fixtures.js';
import { API_KEY, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const RUN_FIELDS = `id status triggerType triggerPayload completedSteps skippedSteps currentStep durationMs error { message stepKey }
  timeline { stepKey status attempt ports output elapsedMs } flow { name }`;
const TRIGGER = `mutation($id: ID!, $payload: JSONObject) { triggerFlow(id: $id, payload: $payload) {
  __typename ... on Error { code message } ... on MutationTriggerFlowSuccess { data { id status } } } }`;
const GET = `query($id: ID!) { execution(id: $id) { ${RUN_FIELDS} } }`;

const createFlow = (name: string, steps: unknown[], edges: unknown[]) =>
  createFlowOrFail(server, name, steps, edges);

async function settled(id: string, statuses = ['completed', 'failed', 'cancelled']) {
  for (let i = 0; i < 200; i++) {
    const run = (await server.gql(GET, { id })).data.execution;
    if (run && statuses.includes(run.status.toLowerCase())) return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} did not settle`);
}

const branching = () => ({
  steps: [
    { key: 'start', type: 'manual' },
    { key: 'hot', type: 'condition', config: { expression: 'trigger.payload.value > 30' } },
    { key: 'warn', type: 'log', config: { message: 'hot: {{ trigger.payload.value }}' } },
    { key: 'fine', type: 'log', config: { message: 'fine' } },
    { key: 'done', type: 'log', config: { message: 'after the branch' } },
  ],
  edges: [
    { source: 'start', target: 'hot' },
    { source: 'hot', sourcePort: 'true', target: 'warn' },
    { source: 'hot', sourcePort: 'false', target: 'fine' },
    { source: 'warn', target: 'done' },
    { source: 'fine', target: 'done' },
  ],
});

describe('runs over the API', () => {
  it('triggers a flow, branches on a condition, skips the dead branch and re-joins', async () => {
    const { steps, edges } = branching();
    const flowId = await createFlow('Branching', steps, edges);
    const triggered = await server.gql(TRIGGER, { id: flowId, payload: { value: 35 } });
    const run = await settled(triggered.data.triggerFlow.data.id);
    expect(run.status).toBe('COMPLETED');
    expect(run.triggerPayload).toEqual({ value: 35 });
    expect(run.completedSteps).toEqual(['start', 'hot', 'warn', 'done']);
    expect(run.skippedSteps).toEqual(['fine']);
    const hot = run.timeline.find((row: { stepKey: string }) => row.stepKey === 'hot');
    expect(hot.ports).toEqual(['true']);
    expect(run.timeline.filter((row: { stepKey: string }) => row.stepKey === 'done')).toHaveLength(1);
  });

  it('streams PipelineExecutionEvents over WebSocket with a gapless per-run sequence', async () => {
    const { steps, edges } = branching();
    const flowId = await createFlow('Streamed', steps, edges);
    const client = createClient({
      url: `ws://127.0.0.1:${server.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${API_KEY}` },
    });
    const events: Array<{ seq: number; kind: string; status: string; stepKey: string | null }> = [];
    const cursor = (await server.gql(`{ executionEventsCursor }`)).data.executionEventsCursor as
      string | null;
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          // From the current cursor: the stream starts at that point however late it is attached.
          query: `subscription($flowId: ID, $after: String) { pipelineExecutionEvents(flowId: $flowId, after: $after) { ... on PipelineExecutionEvent { seq kind status stepKey ports executionId } } }`,
          variables: { flowId, after: cursor ?? '0' },
        },
        {
          next: (message) => {
            const event = (message.data as { pipelineExecutionEvents: (typeof events)[number] })
              .pipelineExecutionEvents;
            events.push(event);
            if (event.kind === 'EXECUTION' && event.status === 'COMPLETED') resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.gql(TRIGGER, { id: flowId, payload: { value: 10 } });
    await done;
    await client.dispose();
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.some((event) => event.stepKey === 'warn' && event.status === 'SKIPPED')).toBe(true);
    expect(events.some((event) => event.stepKey === 'fine' && event.status === 'COMPLETED')).toBe(true);
  });

  it('cancels a waiting run at once and reruns a finished one', async () => {
    const flowId = await createFlow(
      'Waits',
      [
        { key: 'start', type: 'manual' },
        { key: 'pause', type: 'wait', config: { seconds: 3600 } },
        { key: 'after', type: 'log', config: { message: 'resumed' } },
      ],
      [
        { source: 'start', target: 'pause' },
        { source: 'pause', target: 'after' },
      ],
    );
    const triggered = await server.gql(TRIGGER, { id: flowId, payload: { n: 1 } });
    const id = triggered.data.triggerFlow.data.id;
    const waiting = await settled(id, ['waiting']);
    expect(waiting.currentStep).toBe('pause');
    const cancel = await server.gql(
      `mutation($id: ID!) { cancelExecution(id: $id) { __typename ... on MutationCancelExecutionSuccess { data { status } } } }`,
      { id },
    );
    expect(cancel.data.cancelExecution.data.status).toBe('CANCELLED');
    const rerun = await server.gql(
      `mutation($id: ID!) { rerunExecution(id: $id) { ... on MutationRerunExecutionSuccess { data { id rerunOf { id } triggerPayload } } } }`,
      { id },
    );
    expect(rerun.data.rerunExecution.data).toMatchObject({ rerunOf: { id }, triggerPayload: { n: 1 } });
  });

  it('lists runs newest first by flow and status, over GraphQL and REST', async () => {
    const flowId = await createFlow('Listed', [{ key: 'start', type: 'manual' }], []);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await server.gql(TRIGGER, { id: flowId, payload: { i } })).data.triggerFlow.data.id);
    for (const id of ids) await settled(id);
    const list = await server.gql(
      `query($flowId: ID) { executions(flowId: $flowId, first: 2, status: [COMPLETED]) { pageInfo { hasNextPage } edges { node { id } } } }`,
      { flowId },
    );
    expect(list.data.executions.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([
      ids[2],
      ids[1],
    ]);
    expect(list.data.executions.pageInfo.hasNextPage).toBe(true);
    const rest = await server.rest('GET', `/v1/flows/${encodeURIComponent(flowId)}/executions`);
    expect(rest.status).toBe(200);
    expect(rest.body.data.edges).toHaveLength(3);
    const triggered = await server.rest('POST', `/v1/flows/${encodeURIComponent(flowId)}/trigger`, {
      payload: { from: 'rest' },
    });
    expect(triggered.status).toBe(200);
    expect((await settled(triggered.body.data.id)).triggerPayload).toEqual({ from: 'rest' });
  });

  it('refuses to trigger a disabled flow with a typed error', async () => {
    const flowId = await createFlow('Disabled', [{ key: 'start', type: 'manual' }], []);
    await server.gql(`mutation($id: ID!) { updateFlow(id: $id, input: { enabled: false }) { __typename } }`, {
      id: flowId,
    });
    const result = await server.gql(TRIGGER, { id: flowId });
    expect(result.data.triggerFlow).toMatchObject({ __typename: 'RunRefusedError', code: 'FLOW_DISABLED' });
  });

  it('tests one step without saving anything', async () => {
    const before = await server.gql(`{ executions { edges { node { id } } } }`);
    const result = await server.gql(
      `mutation { testStep(type: "condition", config: { expression: "trigger.value >= 3" }, data: { trigger: { value: 4 } }) { success ports output error } }`,
    );
    expect(result.data.testStep).toMatchObject({ success: true, ports: ['true'] });
    expect((await server.gql(`{ executions { edges { node { id } } } }`)).data).toEqual(before.data);
  });
});
