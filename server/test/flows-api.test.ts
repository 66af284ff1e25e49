import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW, GET_FLOW, REPLACE_EDGES, SAVE_STEPS, UPDATE_FLOW, sampleGraph } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function createSample(name: string) {
  const result = await server.gql(CREATE_FLOW, { input: { name, ...sampleGraph() } });
  expect(result.data.createFlow.__typename).toBe('MutationCreateFlowSuccess');
  return result.data.createFlow.data;
}

describe('flows API over GraphQL', () => {
  it('creates a flow with steps and edges in one call, filling config defaults', async () => {
    const flow = await createSample('Kitchen heat');
    expect(flow.version).toBe(1);
    expect(flow.steps.map((step: { key: string }) => step.key).sort()).toEqual(['hot', 'start', 'warn']);
    expect(flow.edges).toEqual(
      expect.arrayContaining([
        { source: 'start', sourcePort: 'main', target: 'hot' },
        { source: 'hot', sourcePort: 'true', target: 'warn' },
      ]),
    );
    expect(flow.steps.find((step: { key: string }) => step.key === 'warn').config).toEqual({
      level: 'warning',
      message: 'Too hot: {value}',
    });
    const fetched = await server.gql(GET_FLOW, { id: flow.id });
    expect(fetched.data.flow.name).toBe('Kitchen heat');
  });

  it('refuses a second flow with the same name', async () => {
    await createSample('Unique name');
    const again = await server.gql(CREATE_FLOW, { input: { name: 'Unique name' } });
    expect(again.data.createFlow).toMatchObject({ __typename: 'NameTakenError', code: 'NAME_TAKEN' });
  });

  it('saves steps (create, update, rename, delete) and bumps the version once per save', async () => {
    const flow = await createSample('Editing');
    const hot = await server.gql(`query($id: ID!) { flow(id: $id) { steps { id key } } }`, { id: flow.id });
    const hotId = hot.data.flow.steps.find((step: { key: string }) => step.key === 'hot').id;
    const saved = await server.gql(SAVE_STEPS, {
      flowId: flow.id,
      expectedVersion: 1,
      steps: [
        { id: hotId, key: 'too_hot', type: 'threshold', config: { operator: '>=', value: 28 } },
        { key: 'note', type: 'log', config: { message: 'noted' }, position: { x: 10, y: 20 } },
      ],
      deleteKeys: ['warn'],
    });
    const data = saved.data.saveFlowSteps.data;
    expect(data.version).toBe(2);
    expect(data.steps.map((step: { key: string }) => step.key).sort()).toEqual(['note', 'start', 'too_hot']);
    // The edge into the deleted step went with it; the edge into the renamed step followed the rename.
    expect(data.edges).toEqual([{ source: 'start', sourcePort: 'main', target: 'too_hot' }]);
    expect(data.steps.find((step: { key: string }) => step.key === 'note').position).toEqual({
      x: 10,
      y: 20,
    });
  });

  it('replaces edges atomically and refuses a save based on a stale version', async () => {
    const flow = await createSample('Racing caregivers');
    const first = await server.gql(REPLACE_EDGES, {
      flowId: flow.id,
      expectedVersion: 1,
      edges: [{ source: 'start', target: 'warn' }],
    });
    expect(first.data.replaceFlowEdges.data.version).toBe(2);
    expect(first.data.replaceFlowEdges.data.edges).toEqual([
      { source: 'start', sourcePort: 'main', target: 'warn' },
    ]);
    const stale = await server.gql(REPLACE_EDGES, { flowId: flow.id, expectedVersion: 1, edges: [] });
    expect(stale.data.replaceFlowEdges).toMatchObject({
      __typename: 'VersionConflictError',
      expectedVersion: 1,
      currentVersion: 2,
    });
    const after = await server.gql(GET_FLOW, { id: flow.id });
    expect(after.data.flow.edges).toHaveLength(1);
    expect(after.data.flow.version).toBe(2);
  });

  it('stores canvas positions without bumping the version', async () => {
    const flow = await createSample('Layout');
    const result = await server.gql(
      `mutation($id: ID!) { saveStepPositions(flowId: $id, positions: [{ key: "hot", x: 120.5, y: -40 }]) {
        __typename ... on MutationSaveStepPositionsSuccess { data { version steps { key position { x y } } } } } }`,
      { id: flow.id },
    );
    const data = result.data.saveStepPositions.data;
    expect(data.version).toBe(1);
    expect(data.steps.find((step: { key: string }) => step.key === 'hot').position).toEqual({
      x: 120.5,
      y: -40,
    });
  });

  it('updates settings, and replaces the whole graph when steps are given', async () => {
    const flow = await createSample('Settings');
    const renamed = await server.gql(UPDATE_FLOW, {
      id: flow.id,
      input: { name: 'Settings (renamed)', enabled: false },
    });
    expect(renamed.data.updateFlow.data).toMatchObject({
      name: 'Settings (renamed)',
      enabled: false,
      version: 1,
    });
    const replaced = await server.gql(UPDATE_FLOW, {
      id: flow.id,
      input: {
        expectedVersion: 1,
        steps: [
          { key: 'start', type: 'manual' },
          { key: 'log', type: 'log', config: { message: 'hi' } },
        ],
        edges: [{ source: 'start', target: 'log' }],
      },
    });
    expect(replaced.data.updateFlow.data.version).toBe(2);
    expect(replaced.data.updateFlow.data.stepCount).toBe(2);
    const missingVersion = await server.gql(UPDATE_FLOW, { id: flow.id, input: { steps: [] } });
    expect(missingVersion.data.updateFlow.__typename).toBe('FlowValidationError');
  });

  it('deletes a flow and reports unknown ones as NotFoundError', async () => {
    const flow = await createSample('Short-lived');
    const del = `mutation($id: ID!) { deleteFlow(id: $id) { __typename ... on MutationDeleteFlowSuccess { data } ... on NotFoundError { message } } }`;
    expect((await server.gql(del, { id: flow.id })).data.deleteFlow).toEqual({
      __typename: 'MutationDeleteFlowSuccess',
      data: flow.id,
    });
    expect((await server.gql(del, { id: flow.id })).data.deleteFlow.__typename).toBe('NotFoundError');
    expect((await server.gql(GET_FLOW, { id: flow.id })).data.flow).toBeNull();
  });

  it('pages through flows with Relay cursors', async () => {
    const page = `query($after: String) { flows(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`;
    const first = await server.gql(page, {});
    expect(first.data.flows.edges).toHaveLength(2);
    expect(first.data.flows.pageInfo.hasNextPage).toBe(true);
    const second = await server.gql(page, { after: first.data.flows.pageInfo.endCursor });
    const names = [...first.data.flows.edges, ...second.data.flows.edges].map(
      (edge: { node: { name: string } }) => edge.node.name,
    );
    expect(new Set(names).size).toBe(names.length);
    expect(first.data.flows.totalCount).toBeGreaterThanOrEqual(4);
  });

  it('serves step types with JSON Schema and ports from the registry', async () => {
    const result = await server.gql(`{ stepTypes { type category isTrigger configSchema ports { name } } }`);
    const byType = Object.fromEntries(
      result.data.stepTypes.map((type: { type: string }) => [type.type, type]),
    );
    expect(byType.sensor_value).toMatchObject({ category: 'TRIGGER', isTrigger: true });
    expect(byType.condition.ports.map((port: { name: string }) => port.name)).toEqual(['true', 'false']);
    expect(byType.schedule.configSchema).toMatchObject({
      type: 'object',
      properties: { cron: { type: 'string' } },
    });
  });
});
