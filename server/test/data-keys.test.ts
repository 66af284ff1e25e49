import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let flowId: string;
beforeAll(async () => {
  server = await startTestServer();
  const created = await server.gql(CREATE_FLOW, {
    input: {
      name: 'Autocomplete',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'remember', type: 'set_variable', config: { key: 'last_seen', value: 'now' } },
        { key: 'raise', type: 'alert', config: { message: 'hello' } },
        { key: 'elsewhere', type: 'log', config: { message: 'not before raise' } },
      ],
      edges: [
        { source: 'start', target: 'remember' },
        { source: 'remember', target: 'raise' },
        { source: 'start', target: 'elsewhere' },
      ],
    },
  });
  flowId = created.data.createFlow.data.id;
});
afterAll(() => server.stop());

const DATA_KEYS = `query($flowId: ID!, $stepKey: String!) { dataKeys(flowId: $flowId, stepKey: $stepKey) {
  __typename ... on QueryDataKeysSuccess { data } ... on Error { code message } } }`;

describe('dataKeys for the editor’s autocomplete', () => {
  it('lists the roots and the outputs of the steps that run before the step, not of others', async () => {
    const result = await server.gql(DATA_KEYS, { flowId, stepKey: 'raise' });
    const keys: string[] = result.data.dataKeys.data;
    expect(keys).toEqual(
      expect.arrayContaining(['trigger.payload', 'system.local_time', 'steps.remember.output']),
    );
    expect(keys).toContain('steps.start.output');
    expect(keys.some((key) => key.startsWith('steps.elsewhere'))).toBe(false);
    expect(keys.some((key) => key.startsWith('steps.raise'))).toBe(false);
  });

  it('includes flow variables once a run has set them', async () => {
    const run = await server.gql(
      `mutation($id: ID!) { triggerFlow(id: $id) { ... on MutationTriggerFlowSuccess { data { id } } } }`,
      {
        id: flowId,
      },
    );
    expect(run.data.triggerFlow.data.id).toBeTruthy();
    let keys: string[] = [];
    for (let i = 0; i < 100 && !keys.includes('vars.last_seen'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      keys = (await server.gql(DATA_KEYS, { flowId, stepKey: 'raise' })).data.dataKeys.data;
    }
    expect(keys).toContain('vars.last_seen');
  });

  it('answers for an unsaved draft graph instead of the stored one', async () => {
    const query = `query($flowId: ID!, $stepKey: String!, $draft: DataKeysDraftInput) {
      dataKeys(flowId: $flowId, stepKey: $stepKey, draft: $draft) { __typename ... on QueryDataKeysSuccess { data } } }`;
    const draft = {
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'fresh', type: 'set_variable', config: { key: 'x', value: 1 } },
        { key: 'raise', type: 'alert', config: { message: 'hello' } },
      ],
      edges: [
        { source: 'start', target: 'fresh' },
        { source: 'fresh', target: 'raise' },
      ],
    };
    const keys: string[] = (await server.gql(query, { flowId, stepKey: 'raise', draft })).data.dataKeys.data;
    expect(keys).toContain('steps.fresh.output');
    expect(keys.some((key) => key.startsWith('steps.remember'))).toBe(false);
    const missing = await server.gql(query, { flowId, stepKey: 'remember', draft });
    expect(missing.data.dataKeys.__typename).toBe('NotFoundError');
  });

  it('answers an unknown step with a typed NotFoundError', async () => {
    const result = await server.gql(DATA_KEYS, { flowId, stepKey: 'nope' });
    expect(result.data.dataKeys).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });
});
