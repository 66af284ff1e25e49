import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowOrFail } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

const LIST = `query($scope: VariableScope!, $flowId: ID) { variables(scope: $scope, flowId: $flowId, first: 50) {
  __typename ... on QueryVariablesSuccess { data { edges { node { key scope value flow { name } } } } }
  ... on Error { code message } ... on InvalidInputError { issues { field message } } } }`;
const SET = `mutation($scope: VariableScope!, $flowId: ID, $key: String!, $value: JSON) {
  setVariable(scope: $scope, flowId: $flowId, key: $key, value: $value) {
    __typename ... on MutationSetVariableSuccess { data { key scope value } }
    ... on Error { code message } ... on InvalidInputError { issues { field message } } } }`;
const DELETE = `mutation($scope: VariableScope!, $flowId: ID, $key: String!) {
  deleteVariable(scope: $scope, flowId: $flowId, key: $key) {
    __typename ... on MutationDeleteVariableSuccess { data } ... on Error { code message } } }`;
const TRIGGER = `mutation($id: ID!) { triggerFlow(id: $id) { ... on MutationTriggerFlowSuccess { data { id } } } }`;
const RUN = `query($id: ID!) { execution(id: $id) { status timeline { stepKey output } } }`;

let server: TestServer;
let flowId: string;
beforeAll(async () => {
  server = await startTestServer();
  // Reads vars.greeting and counts runs in a flow variable, so API and step writes meet.
  flowId = await createFlowOrFail(
    server,
    'Variables',
    [
      { key: 'start', type: 'manual' },
      { key: 'say', type: 'log', config: { message: 'greeting={{ vars.greeting }}' } },
      { key: 'mark', type: 'set_variable', config: { key: 'seen', value: '{{ vars.greeting }}' } },
    ],
    [
      { source: 'start', target: 'say' },
      { source: 'say', target: 'mark' },
    ],
  );
});
afterAll(() => server.stop());

const list = async (scope: string, flow?: string) => {
  const result = await server.gql(LIST, { scope, flowId: flow });
  expect(result.data.variables.__typename, JSON.stringify(result)).toBe('QueryVariablesSuccess');
  return result.data.variables.data.edges.map(({ node }: any) => node);
};

async function runToEnd(): Promise<any> {
  const id = (await server.gql(TRIGGER, { id: flowId })).data.triggerFlow.data.id;
  for (let i = 0; i < 200; i++) {
    const run = (await server.gql(RUN, { id })).data.execution;
    if (run.status === 'COMPLETED' || run.status === 'FAILED') return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('run did not finish');
}

describe('variables API', () => {
  it('sets global and flow variables that runs read, a flow one shadowing the global', async () => {
    for (const [scope, value] of [
      ['GLOBAL', 'hello'],
      ['FLOW', 'hi Rose'],
    ] as const) {
      const set = await server.gql(SET, {
        scope,
        flowId: scope === 'FLOW' ? flowId : null,
        key: 'greeting',
        value,
      });
      expect(set.data.setVariable).toMatchObject({
        __typename: 'MutationSetVariableSuccess',
        data: { value },
      });
    }
    await server.gql(SET, { scope: 'GLOBAL', key: 'level', value: { n: 3 } });
    const run = await runToEnd();
    expect(run.timeline.find((row: any) => row.stepKey === 'say').output.message).toBe('greeting=hi Rose');
    // The step's own write is visible to the API, as set_variable stored it.
    expect(await list('FLOW', flowId)).toEqual([
      { key: 'greeting', scope: 'FLOW', value: 'hi Rose', flow: { name: 'Variables' } },
      { key: 'seen', scope: 'FLOW', value: 'hi Rose', flow: { name: 'Variables' } },
    ]);
    expect(await list('GLOBAL')).toEqual([
      { key: 'greeting', scope: 'GLOBAL', value: 'hello', flow: null },
      { key: 'level', scope: 'GLOBAL', value: { n: 3 }, flow: null },
    ]);
  });

  it('hides the engine’s own state and refuses keys set_variable would refuse', async () => {
    await server.gql(SET, { scope: 'FLOW', flowId, key: 'empty' });
    expect((await list('FLOW', flowId)).find((v: any) => v.key === 'empty')).toMatchObject({ value: null });
    for (const key of ['$cooldown.x', '9lives', 'a'.repeat(65), 'has-dash']) {
      const bad = await server.gql(SET, { scope: 'GLOBAL', key, value: 1 });
      expect(bad.data.setVariable.__typename, key).toBe('InvalidInputError');
    }
    const noFlow = await server.gql(SET, { scope: 'FLOW', key: 'x', value: 1 });
    expect(noFlow.data.setVariable.issues).toEqual([expect.objectContaining({ field: 'flowId' })]);
    const unknown = await server.gql(SET, {
      scope: 'FLOW',
      flowId: Buffer.from('Flow:nope').toString('base64'),
      key: 'x',
    });
    expect(unknown.data.setVariable).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('deletes, and says when there was nothing to delete', async () => {
    const deleted = await server.gql(DELETE, { scope: 'GLOBAL', key: 'level' });
    expect(deleted.data.deleteVariable).toEqual({
      __typename: 'MutationDeleteVariableSuccess',
      data: 'level',
    });
    expect((await list('GLOBAL')).map((v: any) => v.key)).toEqual(['greeting']);
    const again = await server.gql(DELETE, { scope: 'GLOBAL', key: 'level' });
    expect(again.data.deleteVariable.__typename).toBe('NotFoundError');
  });

  it('works over REST', async () => {
    const put = await server.rest('PUT', '/v1/variables/mode', { scope: 'GLOBAL', value: 'away' });
    expect(put).toMatchObject({ status: 200, body: { data: { key: 'mode', value: 'away' } } });
    const get = await server.rest('GET', '/v1/variables?scope=GLOBAL');
    expect(get.body.data.edges.map((e: any) => e.node.key)).toEqual(['greeting', 'mode']);
    const del = await server.rest('DELETE', '/v1/variables/mode?scope=GLOBAL');
    expect(del.status).toBe(200);
    const missing = await server.rest('DELETE', '/v1/variables/mode?scope=GLOBAL');
    expect(missing.status).toBe(404);
  });
});
