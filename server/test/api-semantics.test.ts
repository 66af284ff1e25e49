import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowOrFail } from './fixtures.js';
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
