import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW, createFlowOrFail } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

/** Issue 8, "Semantics that surprised": what the API says matches what runs. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const manualLog = () => ({
  steps: [
    { key: 'start', type: 'manual' },
    { key: 'note', type: 'log', config: { message: 'hi' } },
  ],
  edges: [{ source: 'start', target: 'note' }],
});

describe('the API keeps its word', () => {
  it('the executions connection counts every matching run, not only the page', async () => {
    const { steps, edges } = manualLog();
    const flowId = await createFlowOrFail(server, 'Counted runs', steps, edges);
    for (let i = 0; i < 3; i++) {
      const triggered = await server.gql(`mutation($id: ID!) { triggerFlow(id: $id) { __typename } }`, {
        id: flowId,
      });
      expect(triggered.data.triggerFlow.__typename).toBe('MutationTriggerFlowSuccess');
    }
    const page = await server.gql(
      `query($id: ID!) { executions(flowId: $id, first: 2) { totalCount edges { node { id } } } }`,
      { id: flowId },
    );
    expect(page.data.executions.edges).toHaveLength(2);
    expect(page.data.executions.totalCount).toBe(3);
  });

  it('testStep is described as the dry run it is', async () => {
    const schema = await server.gql(`{ __type(name: "Mutation") { fields { name description } } }`);
    const testStep = schema.data.__type.fields.find((f: { name: string }) => f.name === 'testStep');
    expect(testStep.description).toMatch(/dry run/);
    expect(testStep.description).toMatch(/wouldSend/);
    expect(testStep.description).not.toMatch(/real actions do act/);
  });

  it('cronPreview answers in UTC and in the requested time zone', async () => {
    const preview = await server.gql(
      `{ cronPreview(expression: "0 9 * * *", timezone: "Asia/Kolkata", count: 2) { timezone nextRuns nextRunsLocal } }`,
    );
    const { nextRuns, nextRunsLocal } = preview.data.cronPreview;
    expect(nextRuns).toHaveLength(2);
    expect(nextRunsLocal).toHaveLength(2);
    for (const [i, local] of (nextRunsLocal as string[]).entries()) {
      expect(local).toMatch(/T09:00:00\+05:30$/);
      expect(Date.parse(local)).toBe(Date.parse(nextRuns[i]));
    }
  });

  it('the error port of every type that has one states the onError: skip rule', async () => {
    const types = await server.gql(`{ stepTypes { type ports { name description } } }`);
    const withError = types.data.stepTypes.filter((t: { ports: Array<{ name: string }> }) =>
      t.ports.some((port) => port.name === 'error'),
    );
    expect(withError.map((t: { type: string }) => t.type).sort()).toEqual(
      expect.arrayContaining(['command', 'http', 'webhook_out']),
    );
    for (const type of withError) {
      const port = type.ports.find((p: { name: string }) => p.name === 'error');
      expect(port.description, type.type).toMatch(/otherwise on main/);
    }
  });
});

describe('save-time checks say what runs', () => {
  const issuesOf = async (steps: unknown[], edges: unknown[], name = `flow ${Math.random()}`) => {
    const result = await server.gql(CREATE_FLOW, { input: { name, steps, edges } });
    return result.data.createFlow as {
      __typename: string;
      issues?: Array<{ stepKey: string; field: string; message: string }>;
    };
  };

  it('a step referring to a step that runs after it is told exactly that', async () => {
    const result = await issuesOf(
      [
        { key: 'start', type: 'manual' },
        { key: 'first', type: 'log', config: { message: 'x {{ steps.second.output.message }}' } },
        { key: 'check', type: 'response', config: { step: 'second', test: 'truthy' } },
        { key: 'second', type: 'log', config: { message: 'y' } },
      ],
      [
        { source: 'start', target: 'first' },
        { source: 'first', target: 'check' },
        { source: 'check', sourcePort: 'true', target: 'second' },
      ],
    );
    expect(result.__typename).toBe('FlowValidationError');
    const messages = Object.fromEntries(result.issues!.map((i) => [i.stepKey, i.message]));
    expect(messages.first).toMatch(
      /step "second" runs after this step, so steps.second.output.message is not available here/,
    );
    expect(messages.first).not.toMatch(/unknown step/);
    expect(messages.check).toMatch(/config.step: step "second" runs after this step/);
  });

  it('a step on another branch is told it does not run before this one', async () => {
    const result = await issuesOf(
      [
        { key: 'start', type: 'manual' },
        { key: 'hot', type: 'condition', config: { expression: 'trigger.payload.t > 30' } },
        { key: 'warm', type: 'log', config: { message: 'warm' } },
        { key: 'cold', type: 'log', config: { message: 'after {{ steps.warm.output.message }}' } },
      ],
      [
        { source: 'start', target: 'hot' },
        { source: 'hot', sourcePort: 'true', target: 'warm' },
        { source: 'hot', sourcePort: 'false', target: 'cold' },
      ],
    );
    expect(result.issues![0]!.message).toMatch(
      /step "warm" is on another branch and does not run before this step/,
    );
  });

  it('an unknown trigger_flow target is refused at save time', async () => {
    const result = await issuesOf(
      [
        { key: 'start', type: 'manual' },
        { key: 'call', type: 'trigger_flow', config: { flowName: 'Nobody made this' } },
      ],
      [{ source: 'start', target: 'call' }],
    );
    expect(result.__typename).toBe('FlowValidationError');
    expect(result.issues).toEqual([
      expect.objectContaining({
        stepKey: 'call',
        field: 'config.flowName',
        message: expect.stringMatching(/no flow/),
      }),
    ]);
  });
});

describe('webhook trigger payload', () => {
  const hookFlow = (message: string) => ({
    steps: [
      { key: 'hook', type: 'webhook' },
      { key: 'say', type: 'log', config: { message } },
    ],
    edges: [{ source: 'hook', target: 'say' }],
  });

  it('refuses trigger.payload.button with a suggestion, since the body is under trigger.payload.body', async () => {
    const { steps, edges } = hookFlow('pressed {{ trigger.payload.button }}');
    const result = await server.gql(CREATE_FLOW, { input: { name: 'Hook typo', steps, edges } });
    expect(result.data.createFlow.__typename).toBe('FlowValidationError');
    expect(result.data.createFlow.issues[0]).toMatchObject({ stepKey: 'say', field: 'config.message' });
    expect(result.data.createFlow.issues[0].message).toMatch(/did you mean trigger.payload.body.button\?/);
  });

  it('trigger.payload.body.button renders what was posted, and dataKeys lists the payload’s parts', async () => {
    const { steps, edges } = hookFlow('pressed {{ trigger.payload.body.button }}');
    const flowId = await createFlowOrFail(server, 'Hook button', steps, edges);
    const keys = await server.gql(
      `query($id: ID!) { dataKeys(flowId: $id, stepKey: "say") { ... on QueryDataKeysSuccess { data } } }`,
      { id: flowId },
    );
    expect(keys.data.dataKeys.data).toEqual(
      expect.arrayContaining(['trigger.payload.body', 'trigger.payload.query', 'trigger.payload.headers']),
    );
    const issued = await server.gql(
      `mutation($id: ID!) { issueWebhookUrl(flowId: $id, stepKey: "hook") { ... on MutationIssueWebhookUrlSuccess { data { path } } } }`,
      { id: flowId },
    );
    const response = await fetch(`${server.url}${issued.data.issueWebhookUrl.data.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ button: 'front' }),
    });
    expect(response.status).toBe(202);
    const { executionId } = (await response.json()) as { executionId: string };
    let message: unknown;
    for (let i = 0; i < 100 && message === undefined; i++) {
      const run = await server.gql(`query($id: ID!) { execution(id: $id) { status data } }`, {
        id: executionId,
      });
      if (run.data.execution?.status === 'COMPLETED')
        message = run.data.execution.data.steps.say.output.message;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(message).toBe('pressed front');
  });
});
