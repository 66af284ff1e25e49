import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/orm.js';
import { CREATE_FLOW, createFlowOrFail } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

/** Issue 8, "IDs, names and references": configs take what the API hands out. */
let server: TestServer;
let kitchen: { id: string; name: string };
let tablet: { id: string };
beforeAll(async () => {
  server = await startTestServer({ demo: true });
  const nodes = await server.gql(
    `{ gatewayNodes(search: "kitchen-climate") { edges { node { id name } } } }`,
  );
  kitchen = nodes.data.gatewayNodes.edges[0].node;
  tablet = (await server.gql(`{ devices { id } }`)).data.devices[0];
});
afterAll(() => server.stop());

const hotKitchen = (nodeId: string) => [
  { key: 'hot', type: 'sensor_value', config: { metric: 'temperature', operator: '>', value: 40, nodeId } },
  { key: 'warn', type: 'alert', config: { level: 'warning', message: 'Kitchen {value}' } },
];
const edges = [{ source: 'hot', target: 'warn' }];

async function ingest(value: number) {
  const result = await server.gql(
    `mutation($r: [ReadingInput!]!) { ingestTelemetry(readings: $r) { __typename } }`,
    { r: [{ node: 'kitchen-climate', metric: 'temperature', value }] },
  );
  expect(result.errors).toBeUndefined();
}

async function runsOf(flowId: string): Promise<number> {
  const runs = await server.gql(`query($id: ID) { executions(flowId: $id) { edges { node { id } } } }`, {
    id: flowId,
  });
  return runs.data.executions.edges.length;
}

async function eventually(check: () => Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met within 2.5 s');
}

describe('step config references', () => {
  it('a sensor_value trigger saved with the node’s global ID fires on that node', async () => {
    const flowId = await createFlowOrFail(server, 'Kitchen by global ID', hotKitchen(kitchen.id), edges);
    const flow = await server.gql(`query($id: ID!) { flow(id: $id) { steps { key config } } }`, {
      id: flowId,
    });
    // The API shows the reference in the form it hands out.
    expect(flow.data.flow.steps.find((s: { key: string }) => s.key === 'hot').config.nodeId).toBe(kitchen.id);
    await ingest(20);
    await ingest(45);
    await eventually(async () => (await runsOf(flowId)) === 1);
  });

  it('accepts the unique name as well and stores the same reference', async () => {
    const result = await server.gql(CREATE_FLOW, {
      input: { name: 'Kitchen by name', steps: hotKitchen('kitchen-climate'), edges },
    });
    expect(result.data.createFlow.__typename).toBe('MutationCreateFlowSuccess');
    const hot = result.data.createFlow.data.steps.find((s: { key: string }) => s.key === 'hot');
    expect(hot.config.nodeId).toBe(kitchen.id);
  });

  it('refuses references that resolve to nothing, naming the step and field', async () => {
    const missingFlow = Buffer.from('Flow:01900000-0000-7000-8000-000000000000').toString('base64');
    const result = await server.gql(CREATE_FLOW, {
      input: {
        name: 'Dangling references',
        steps: [
          { key: 'start', type: 'manual' },
          {
            key: 'hot',
            type: 'sensor_value',
            config: { metric: 't', operator: '>', value: 1, nodeId: 'no-such-node' },
          },
          {
            key: 'door',
            type: 'node_event',
            config: { event: 'offline', nodeId: 'R2F0ZXdheU5vZGU6bm9wZQ==' },
          },
          { key: 'ssh', type: 'command', config: { command: 'uptime', nodeId: 'ghost' } },
          {
            key: 'each',
            type: 'for_each_node',
            config: {
              selector: { ids: [kitchen.id, 'ghost'] },
              action: { type: 'log', config: { message: 'x' } },
            },
          },
          { key: 'child', type: 'trigger_flow', config: { flowName: 'No such flow' } },
          { key: 'child2', type: 'trigger_flow', config: { flowId: missingFlow } },
          {
            key: 'ask',
            type: 'interactive_prompt',
            config: { deviceId: 'Attic tablet', popupMessageTemplate: 'ok?' },
          },
        ],
        edges: [
          { source: 'start', target: 'ssh' },
          { source: 'ssh', target: 'each' },
          { source: 'each', target: 'child' },
          { source: 'child', target: 'child2' },
          { source: 'child2', target: 'ask' },
        ],
      },
    });
    expect(result.data.createFlow.__typename).toBe('FlowValidationError');
    const issues = result.data.createFlow.issues.filter(
      (i: { code: string }) => i.code === 'UNKNOWN_REFERENCE',
    );
    expect(issues.map((i: { stepKey: string; field: string }) => `${i.stepKey} ${i.field}`).sort()).toEqual([
      'ask config.deviceId',
      'child config.flowName',
      'child2 config.flowId',
      'door config.nodeId',
      'each config.selector.ids[1]',
      'hot config.nodeId',
      'ssh config.nodeId',
    ]);
    expect(issues.find((i: { stepKey: string }) => i.stepKey === 'child').message).toMatch(
      /no flow with the name "No such flow"/,
    );
    const flows = await server.gql(`{ flows(search: "Dangling") { totalCount } }`);
    expect(flows.data.flows.totalCount).toBe(0);
  });

  it('trigger_flow takes a flow’s global ID or name, and a tablet by global ID or its name', async () => {
    const target = await server.gql(`{ flows(search: "Morning greeting") { edges { node { id } } } }`);
    const targetId = target.data.flows.edges[0].node.id;
    const result = await server.gql(CREATE_FLOW, {
      input: {
        name: 'Calls another flow',
        steps: [
          { key: 'start', type: 'manual' },
          { key: 'byId', type: 'trigger_flow', config: { flowId: targetId } },
          { key: 'byName', type: 'trigger_flow', config: { flowName: 'Morning greeting' } },
          { key: 'say', type: 'tts_announcement', config: { deviceId: 'Kitchen tablet', message: 'hello' } },
        ],
        edges: [
          { source: 'start', target: 'byId' },
          { source: 'byId', target: 'byName' },
          { source: 'byName', target: 'say' },
        ],
      },
    });
    expect(result.data.createFlow.__typename, JSON.stringify(result.data)).toBe('MutationCreateFlowSuccess');
    const steps = result.data.createFlow.data.steps as Array<{
      key: string;
      config: Record<string, unknown>;
    }>;
    expect(steps.find((s) => s.key === 'byId')!.config.flowId).toBe(targetId);
    expect(steps.find((s) => s.key === 'byName')!.config.flowName).toBe('Morning greeting');
    expect(steps.find((s) => s.key === 'say')!.config.deviceId).toBe(tablet.id);
  });
});

describe('action template references', () => {
  const CREATE_TEMPLATE = `mutation($name: String!, $type: String!, $config: JSONObject!) {
    createActionTemplate(name: $name, type: $type, config: $config) {
      __typename ... on MutationCreateActionTemplateSuccess { data { config } }
      ... on FlowValidationError { issues { code field message } } } }`;

  it('take a node by name or global ID, are shown as the global ID, and must resolve', async () => {
    const byName = await server.gql(CREATE_TEMPLATE, {
      name: 'Reboot kitchen',
      type: 'command',
      config: { command: 'sudo reboot', nodeId: 'kitchen-climate' },
    });
    expect(byName.data.createActionTemplate.data.config.nodeId).toBe(kitchen.id);
    const missing = await server.gql(CREATE_TEMPLATE, {
      name: 'Reboot nothing',
      type: 'command',
      config: { command: 'sudo reboot', nodeId: 'no-such-node' },
    });
    expect(missing.data.createActionTemplate.__typename).toBe('FlowValidationError');
    expect(missing.data.createActionTemplate.issues).toEqual([
      { code: 'UNKNOWN_REFERENCE', field: 'config.nodeId', message: expect.stringMatching(/no node/) },
    ]);
  });
});

describe('stored references from before this release', () => {
  it('the migration rewrites global IDs and names in stored configs to database ids', async () => {
    const orm = await openDatabase(':memory:', { migrate: false });
    try {
      const migrator = orm.getMigrator();
      await migrator.up({ to: 'Migration20261123094452' });
      const db = orm.em.getConnection();
      const now = Date.now();
      await db.execute(`insert into nodes (id, name, kind, tags, metadata, status, created_at, updated_at)
        values ('n-1', 'hall-sensor', 'sensor', '[]', '{}', 'unknown', ${now}, ${now})`);
      await db.execute(`insert into flows (id, name, description, enabled, version, default_step_timeout_ms,
        max_executions, cooloff_minutes, run_mode, max_concurrent_runs, created_at, updated_at)
        values ('f-1', 'Old flow', '', 1, 1, 30000, 100, 0, 'parallel', 10, ${now}, ${now})`);
      const globalNode = Buffer.from('GatewayNode:n-1').toString('base64');
      const steps = [
        ['s-1', 'a', 'sensor_value', { metric: 't', operator: '>', value: 1, nodeId: globalNode }],
        ['s-2', 'b', 'command', { command: 'uptime', nodeId: 'hall-sensor' }],
        ['s-3', 'c', 'for_each_node', { selector: { ids: [globalNode, 'n-1', 'gone'] } }],
        ['s-4', 'd', 'trigger_flow', { flowId: Buffer.from('Flow:f-1').toString('base64') }],
        ['s-5', 'e', 'log', { message: globalNode }],
      ] as const;
      for (const [id, key, type, config] of steps) {
        await db.execute(
          `insert into flow_steps (id, flow_id, key, type, config, label, position_x, position_y, enabled, on_error, retry_attempts)
           values (?, 'f-1', ?, ?, ?, '', 0, 0, 1, 'stop', 3)`,
          [id, key, type, JSON.stringify(config)],
        );
      }
      await migrator.up();
      const rows = await db.execute<Array<{ id: string; config: string }>>(
        'select id, config from flow_steps order by id',
      );
      const configs = Object.fromEntries(rows.map((row) => [row.id, JSON.parse(row.config)]));
      expect(configs['s-1'].nodeId).toBe('n-1');
      expect(configs['s-2'].nodeId).toBe('n-1');
      expect(configs['s-3'].selector.ids).toEqual(['n-1', 'n-1', 'gone']);
      expect(configs['s-4'].flowId).toBe('f-1');
      expect(configs['s-5'].message).toBe(globalNode); // not a reference field
    } finally {
      await orm.close();
    }
  });
});
