import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFlowOrFail } from './fixtures.js';
import { API_KEY, startTestServer, type TestServer } from './harness.js';
import { SEED_FLOWS } from './seed-flows.js';

// The seeds' worked examples, run over the public API exactly as a third-party app would.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const TRIGGER = `mutation($id: ID!, $payload: JSONObject) { triggerFlow(id: $id, payload: $payload) {
  ... on MutationTriggerFlowSuccess { data { id } } ... on Error { code message } } }`;
const GET = `query($id: ID!) { execution(id: $id) { status completedSteps skippedSteps
  timeline { stepKey status ports output } } }`;

/** The same graphs the bundle round trip exports and imports. */
function seedFlow(name: string) {
  const flow = SEED_FLOWS.find((candidate) => candidate.name === name);
  if (!flow) throw new Error(`no seed flow named ${name}`);
  return flow;
}

const createFlow = (name: string, steps: unknown[], edges: unknown[]) =>
  createFlowOrFail(server, name, steps, edges);

async function runToEnd(flowId: string, payload: Record<string, unknown>) {
  const triggered = await server.gql(TRIGGER, { id: flowId, payload });
  const id = triggered.data.triggerFlow.data.id as string;
  for (let i = 0; i < 200; i++) {
    const run = (await server.gql(GET, { id })).data.execution;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(run.status)) return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} did not finish`);
}

describe('003 Flows: condition branching', () => {
  // query_users → check_has_users ─true→ process_users → send_report ─┐
  //                               └false→ log_empty ──────────────────┴→ cleanup (a root step)
  const graph = seedFlow('003 branching');

  it('runs the true branch, then the next root step once', async () => {
    const flowId = await createFlow('003 branching (true)', graph.steps, graph.edges);
    const run = await runToEnd(flowId, { users: ['ada', 'grace'] });
    expect(run.status).toBe('COMPLETED');
    expect(run.completedSteps).toEqual([
      'query_users',
      'check_has_users',
      'process_users',
      'send_report',
      'cleanup',
    ]);
    expect(run.skippedSteps).toEqual(['log_empty']);
  });

  it('runs the false branch, then the next root step once', async () => {
    const flowId = await createFlow('003 branching (false)', graph.steps, graph.edges);
    const run = await runToEnd(flowId, { users: [] });
    expect(run.completedSteps).toEqual(['query_users', 'check_has_users', 'log_empty', 'cleanup']);
    expect(run.skippedSteps).toEqual(['process_users', 'send_report']);
    expect(run.timeline.filter((row: { stepKey: string }) => row.stepKey === 'cleanup')).toHaveLength(1);
  });
});

describe('004 Composable Pipelines: conditional alert escalation', () => {
  // assess → condition ─true (emergency)→ alert [emergency] → follow_up
  //                    └false (routine) → alert [info]
  const { steps, edges } = seedFlow('004 escalation');

  it('routes by severity and streams each alert to a subscribed caregiver', async () => {
    const flowId = await createFlow('004 escalation', steps, edges);
    const client = createClient({
      url: `ws://127.0.0.1:${server.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${API_KEY}` },
    });
    const received: Array<{ level: string; message: string; stepKey: string; flow: { name: string } }> = [];
    const twoAlerts = new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription($flowId: ID) { alertRaised(flowId: $flowId) { level message stepKey flow { name } } }`,
          variables: { flowId },
        },
        {
          next: (message) => {
            received.push((message.data as { alertRaised: (typeof received)[number] }).alertRaised);
            if (received.length === 2) resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    // graphql-ws acknowledges the subscribe before the server has attached it to the topic.
    await new Promise((resolve) => setTimeout(resolve, 150));

    const emergency = await runToEnd(flowId, {
      severity: 'emergency',
      room: 'bathroom',
      reason: 'fall detected',
    });
    expect(emergency.completedSteps).toEqual([
      'assess',
      'logic_response',
      'is_emergency',
      'emergency_alert',
      'follow_up',
    ]);
    expect(emergency.skippedSteps).toEqual(['routine_alert']);
    const routine = await runToEnd(flowId, { severity: 'routine', room: 'kitchen', reason: 'fridge open' });
    expect(routine.completedSteps).toEqual(['assess', 'logic_response', 'is_emergency', 'routine_alert']);

    await twoAlerts;
    await client.dispose();
    expect(received).toEqual([
      {
        level: 'EMERGENCY',
        message: 'Emergency in the bathroom: fall detected',
        stepKey: 'emergency_alert',
        flow: { name: '004 escalation' },
      },
      {
        level: 'INFO',
        message: 'Routine: fridge open',
        stepKey: 'routine_alert',
        flow: { name: '004 escalation' },
      },
    ]);
    const listed = await server.gql(
      `query($flowId: ID) { alerts(flowId: $flowId, first: 10) { edges { node { level acknowledged } } } }`,
      { flowId },
    );
    expect(listed.data.alerts.edges.map((edge: { node: { level: string } }) => edge.node.level)).toEqual([
      'INFO',
      'EMERGENCY',
    ]);
  });
});
