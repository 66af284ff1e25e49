import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW, REPLACE_EDGES, SAVE_STEPS } from './fixtures.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let admin: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.loginAs(ADMIN.email, ADMIN.password);
});
afterAll(() => server.stop());

const WHO = `query($id: ID!) { flow(id: $id) { version updatedAt updatedBy } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateFlowInput!) { updateFlow(id: $id, input: $input) {
  __typename ... on MutationUpdateFlowSuccess { data { version updatedBy updatedAt } } } }`;

async function who(id: string) {
  return (await server.gql(WHO, { id })).data.flow as {
    version: number;
    updatedAt: string;
    updatedBy: string | null;
  };
}

describe('Flow.updatedBy: who saved a flow last', () => {
  it('is recorded on create, graph saves, step saves, edge saves and settings changes', async () => {
    const created = await server.gql(CREATE_FLOW, {
      input: { name: 'Authorship', steps: [{ key: 'start', type: 'manual' }], edges: [] },
    });
    const id: string = created.data.createFlow.data.id;
    expect((await who(id)).updatedBy).toBe('Configured key (API key)');

    const before = await who(id);
    const graph = await server.gql(
      UPDATE,
      {
        id,
        input: {
          expectedVersion: before.version,
          steps: [
            { key: 'start', type: 'manual' },
            { key: 'note', type: 'log', config: { message: 'hi' } },
          ],
          edges: [{ source: 'start', target: 'note' }],
        },
      },
      admin,
    );
    expect(graph.data.updateFlow.data.updatedBy).toBe('Administrator');
    const afterGraph = await who(id);
    expect(afterGraph.version).toBe(before.version + 1);
    expect(Date.parse(afterGraph.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));

    await server.gql(SAVE_STEPS, {
      flowId: id,
      expectedVersion: afterGraph.version,
      steps: [{ key: 'note', type: 'log', config: { message: 'hello' } }],
    });
    expect((await who(id)).updatedBy).toBe('Configured key (API key)');

    const current = await who(id);
    await server.gql(REPLACE_EDGES, { flowId: id, expectedVersion: current.version, edges: [] }, admin);
    expect((await who(id)).updatedBy).toBe('Administrator');

    await server.gql(UPDATE, { id, input: { description: 'settings only' } });
    const settings = await who(id);
    expect(settings.updatedBy).toBe('Configured key (API key)');
    expect(settings.version).toBe(current.version + 1);
  });

  it('is not changed by a refused save', async () => {
    const created = await server.gql(
      CREATE_FLOW,
      {
        input: { name: 'Refused', steps: [{ key: 'start', type: 'manual' }], edges: [] },
      },
      admin,
    );
    const id: string = created.data.createFlow.data.id;
    const stale = await server.gql(UPDATE, {
      id,
      input: { expectedVersion: 99, steps: [{ key: 'start', type: 'manual' }], edges: [] },
    });
    expect(stale.data.updateFlow.__typename).toBe('VersionConflictError');
    expect((await who(id)).updatedBy).toBe('Administrator');
  });
});

const ISSUES = `query($draft: DataKeysDraftInput!, $stepKey: String) {
  expressionIssues(draft: $draft, stepKey: $stepKey) { code stepKey field message } }`;

describe('expressionIssues: the save-time expression check for a draft', () => {
  const draft = {
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'scene_1', type: 'set_variable', config: { key: 'x', value: 1 } },
      { key: 'gate', type: 'condition', config: { expression: 'trigger.value > ' } },
      { key: 'tell', type: 'alert', config: { message: 'Look at {{ steps.scene_2.output }}' } },
    ],
    edges: [
      { source: 'start', target: 'scene_1' },
      { source: 'scene_1', target: 'gate' },
      { source: 'gate', target: 'tell' },
    ],
  };

  it('reports parse errors and unknown paths at their step and field, with a suggestion', async () => {
    const issues = (await server.gql(ISSUES, { draft })).data.expressionIssues as Array<{
      code: string;
      stepKey: string;
      field: string;
      message: string;
    }>;
    const gate = issues.find((issue) => issue.stepKey === 'gate');
    expect(gate).toMatchObject({ code: 'INVALID_EXPRESSION', field: 'config.expression' });
    const tell = issues.find((issue) => issue.stepKey === 'tell');
    expect(tell).toMatchObject({ field: 'config.message' });
    expect(tell!.message).toMatch(/did you mean steps\.scene_1/);
  });

  it('answers for one step when asked, and nothing for a valid draft', async () => {
    const one = (await server.gql(ISSUES, { draft, stepKey: 'tell' })).data.expressionIssues;
    expect(one.map((issue: { stepKey: string }) => issue.stepKey)).toEqual(['tell']);
    const fixed = {
      ...draft,
      steps: draft.steps.map((step) =>
        step.key === 'gate'
          ? { ...step, config: { expression: 'trigger.value > 30' } }
          : step.key === 'tell'
            ? { ...step, config: { message: 'Look at {{ steps.scene_1.output }}' } }
            : step,
      ),
    };
    expect((await server.gql(ISSUES, { draft: fixed })).data.expressionIssues).toEqual([]);
  });

  it('needs the read permission', async () => {
    const anonymous = await server.gql(ISSUES, { draft }, null);
    expect(anonymous.data?.expressionIssues ?? null).toBeNull();
    expect(anonymous.errors?.length).toBeGreaterThan(0);
  });
});

describe('stepTypes mark config fields that name other objects', () => {
  it('with x-reference in the JSON Schema, for single fields and list items', async () => {
    const reply = await server.gql(`{ stepTypes { type configSchema } }`);
    const schemaOf = (type: string) =>
      (reply.data.stepTypes as Array<{ type: string; configSchema: any }>).find((t) => t.type === type)!
        .configSchema;
    expect(schemaOf('trigger_flow').properties.flowName['x-reference']).toEqual({
      entity: 'flow',
      form: 'name',
    });
    expect(schemaOf('trigger_flow').properties.flowId['x-reference']).toEqual({ entity: 'flow', form: 'id' });
    expect(schemaOf('tts_announcement').properties.deviceId['x-reference']).toEqual({
      entity: 'device',
      form: 'id',
    });
    expect(schemaOf('for_each_node').properties.selector.properties.ids.items['x-reference']).toEqual({
      entity: 'node',
      form: 'id',
    });
    // Fields that name nothing carry no mark.
    expect(schemaOf('alert').properties.message['x-reference']).toBeUndefined();
  });
});
