import { isInterfaceType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Permission } from '../src/auth/actor.js';
import { buildSchema } from '../src/graphql/schema.js';
import { CALLER_PERMISSIONS, createCallers, type Callers } from './callers.js';
import { createFlowOrFail } from './fixtures.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';
import { createTablet, trigger, waitForRun } from './tablet-helpers.js';

/**
 * Who may read each type through node(id:)/nodes(ids:): the type's own rule, by the caller's
 * permissions. Every type implementing Node needs an entry: a new one without it fails this test.
 * User and Device also have "themselves" rules, checked separately below; the objects here belong to
 * nobody who calls.
 */
type Has = (permission: Permission) => boolean;
const NODE_RULES: Record<string, (has: Has) => boolean> = {
  Flow: (has) => has('read'),
  FlowStep: (has) => has('read'),
  FlowEdge: (has) => has('read'),
  FlowExecution: (has) => has('read'),
  GatewayNode: (has) => has('read'),
  ActionTemplate: (has) => has('read'),
  Alert: (has) => has('read'),
  // A tablet shows prompts, deliveries and cards; a voice assistant (RESPOND) answers prompts.
  Prompt: (has) => has('read') || has('device') || has('respond'),
  InfoCard: (has) => has('read') || has('device'),
  TabletDelivery: (has) => has('read') || has('device'),
  // Another person: admins only.
  User: (has) => has('admin'),
  ApiKey: (has) => has('admin'),
  // Another tablet: not to a tablet; to readers and to a voice assistant choosing where to answer.
  Device: (has) => has('read') || has('respond'),
};

const schema = buildSchema();
const nodeInterface = schema.getType('Node');
const nodeTypes = isInterfaceType(nodeInterface)
  ? schema
      .getPossibleTypes(nodeInterface)
      .map((type) => type.name)
      .sort()
  : [];

let server: TestServer;
let callers: Callers;
/** One real object per Node type: its global ID. */
const objects: Record<string, string> = {};

async function adminGql(query: string, variables: Record<string, unknown> = {}) {
  const result = await server.gql(query, variables, callers.tokens.admin);
  if (result.errors) throw new Error(`${query}: ${JSON.stringify(result.errors)}`);
  return result.data;
}

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  const admin = await server.loginAs(ADMIN.email, ADMIN.password);
  callers = await createCallers(server, admin, 'nodes');
  const flowId = await createFlowOrFail(
    server,
    'Node matrix flow',
    [
      { key: 'start', type: 'manual', config: {} },
      { key: 'warn', type: 'alert', config: { level: 'warning', message: 'matrix alert' } },
      { key: 'say', type: 'tts_announcement', config: { message: 'matrix announcement' } },
      { key: 'ask', type: 'interactive_prompt', config: { popupMessageTemplate: 'Matrix?' } },
    ],
    [
      { source: 'start', target: 'warn' },
      { source: 'warn', target: 'say' },
      { source: 'start', target: 'ask' },
    ],
  );
  objects.Flow = flowId;
  const flow = (
    await adminGql(`query($id: ID!) { flow(id: $id) { steps { id } edges { id } } }`, { id: flowId })
  ).flow;
  objects.FlowStep = flow.steps[0].id;
  objects.FlowEdge = flow.edges[0].id;
  const runId = await trigger(server, flowId);
  objects.FlowExecution = runId;
  await waitForRun(server, runId, (run) => run.status === 'WAITING');
  const lists = await adminGql(`{
    alerts(first: 1, level: WARNING) { edges { node { id } } }
    tabletDeliveries(first: 1) { edges { node { id } } }
    pendingPrompts(first: 1) { edges { node { id } } }
    gatewayNodes(first: 1) { edges { node { id } } }
    apiKeys { id }
  }`);
  objects.Alert = lists.alerts.edges[0].node.id;
  objects.TabletDelivery = lists.tabletDeliveries.edges[0].node.id;
  objects.Prompt = lists.pendingPrompts.edges[0].node.id;
  objects.GatewayNode = lists.gatewayNodes.edges[0].node.id;
  objects.ApiKey = lists.apiKeys[0].id;
  const card = await adminGql(
    `mutation { createInfoCard(input: { title: "Matrix", body: "card" }) { ... on MutationCreateInfoCardSuccess { data { id } } } }`,
  );
  objects.InfoCard = card.createInfoCard.data.id;
  const template = await adminGql(
    `mutation { createActionTemplate(name: "Matrix template", type: "log", config: { message: "m" }) { ... on MutationCreateActionTemplateSuccess { data { id } } } }`,
  );
  objects.ActionTemplate = template.createActionTemplate.data.id;
  const person = await adminGql(
    `mutation { createUser(email: "target@nodes.test", name: "Target", role: VIEWER, password: "matrix-password") { ... on MutationCreateUserSuccess { data { id } } } }`,
  );
  objects.User = person.createUser.data.id;
  objects.Device = (await createTablet(server, 'Other tablet', 'Hall', admin)).device.id;
}, 60_000);
afterAll(() => server?.stop());

const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;

/** The object back, or null: a refusal must carry no data (not even the type name). */
async function readNode(id: string, token: string | null) {
  const result = await server.gql(NODE, { id }, token);
  return { node: result.data?.node ?? null, errors: result.errors ?? [] };
}

describe('node(id:) and nodes(ids:) apply each type’s own rule', () => {
  it('every type implementing Node has a rule and an object', () => {
    expect(nodeTypes.length).toBeGreaterThan(10);
    const missing = nodeTypes.filter((name) => !(name in NODE_RULES));
    expect(missing, 'add each new Node type to NODE_RULES (and create one object of it)').toEqual([]);
    expect(nodeTypes.filter((name) => !objects[name])).toEqual([]);
    expect(Object.keys(NODE_RULES).filter((name) => !nodeTypes.includes(name))).toEqual([]);
  });

  it('each caller reads an object exactly when its type allows it', async () => {
    const mismatches: string[] = [];
    await Promise.all(
      Object.entries(CALLER_PERMISSIONS).map(async ([caller, permissions]) => {
        const token = callers.tokens[caller] ?? null;
        const has: Has = (permission) => permissions.includes(permission);
        for (const typename of nodeTypes) {
          const expected = NODE_RULES[typename]!(has);
          const { node, errors } = await readNode(objects[typename]!, token);
          const got = node ? `${node.__typename}:${node.id}` : null;
          if (expected && (got !== `${typename}:${objects[typename]}` || errors.length))
            mismatches.push(
              `${typename} as ${caller}: expected the object, got ${JSON.stringify({ node, errors })}`,
            );
          if (!expected && node) mismatches.push(`${typename} as ${caller}: leaked ${JSON.stringify(node)}`);
        }
        // nodes(ids:) answers the same per entry, in order.
        const ids = nodeTypes.map((typename) => objects[typename]!);
        const many = await server.gql(NODES, { ids }, token);
        const list = (many.data?.nodes ?? ids.map(() => null)) as Array<{ id: string } | null>;
        nodeTypes.forEach((typename, index) => {
          const expected = NODE_RULES[typename]!(has);
          const entry = list[index] ?? null;
          if (expected !== (entry?.id === objects[typename]))
            mismatches.push(
              `nodes(ids:) ${typename} as ${caller}: expected ${expected}, got ${JSON.stringify(entry)}`,
            );
        });
      }),
    );
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('people read themselves, and a tablet itself, through node(id:)', async () => {
    for (const caller of ['admin', 'viewer', 'caregiver']) {
      const { node } = await readNode(callers.userIds[caller]!, callers.tokens[caller] ?? null);
      expect(node?.id, caller).toBe(callers.userIds[caller]);
    }
    // A viewer does not read the admin.
    expect((await readNode(callers.userIds.admin!, callers.tokens.viewer ?? null)).node).toBeNull();
    const own = await server.gql(`{ viewer { __typename ... on Device { id } } }`, {}, callers.tokens.device);
    const tabletId = own.data.viewer.id as string;
    expect(tabletId).toBeTruthy();
    expect((await readNode(tabletId, callers.tokens.device ?? null)).node?.id).toBe(tabletId);
  });
});
