import { expect } from 'vitest';
import { createFlowOrFail } from './fixtures.js';
import { ADMIN, type TestServer } from './harness.js';

/**
 * The seeds' worked examples as Kinflow flows, for tests that need realistic flows (the bundle round
 * trip). Between them they use node and tablet references, an action template, a nested flow by id,
 * a webhook trigger and a credential header, so a bundle has everything to carry or leave out.
 */
export interface SeedFlow {
  name: string;
  steps: Array<Record<string, unknown>>;
  edges: Array<Record<string, unknown>>;
  /** Action templates the flow's steps name in `actionTemplate` (created first). */
  templates?: Array<{ name: string; type: string; config: Record<string, unknown> }>;
}

/** Nodes and tablets the seed flows refer to; a server must have them before the flows are created. */
export const SEED_NODES = ['living-room-gateway', 'kitchen-camera', 'garage-pi'];
export const SEED_DEVICES = [{ name: 'Kitchen tablet', room: 'Kitchen', person: 'Grandma' }];

export const SEED_FLOWS: SeedFlow[] = [
  {
    // 003 Flows: condition branching with a re-joining root step.
    name: '003 branching',
    steps: [
      { key: 'query_users', type: 'manual' },
      {
        key: 'check_has_users',
        type: 'condition',
        config: { expression: 'length(trigger.payload.users) > 0' },
      },
      { key: 'process_users', type: 'log', config: { message: 'processing {{ trigger.payload.users }}' } },
      { key: 'send_report', type: 'log', config: { message: 'report sent' } },
      { key: 'log_empty', type: 'log', config: { message: 'no users' } },
      { key: 'cleanup', type: 'log', config: { message: 'cleanup' } },
    ],
    edges: [
      { source: 'query_users', target: 'check_has_users' },
      { source: 'check_has_users', sourcePort: 'true', target: 'process_users' },
      { source: 'process_users', target: 'send_report' },
      { source: 'check_has_users', sourcePort: 'false', target: 'log_empty' },
      { source: 'send_report', target: 'cleanup' },
      { source: 'log_empty', target: 'cleanup' },
    ],
  },
  {
    // 004 Composable Pipelines: conditional alert escalation.
    name: '004 escalation',
    steps: [
      { key: 'assess', type: 'manual' },
      {
        key: 'logic_response',
        type: 'set_variable',
        config: { key: 'last_severity', value: '{{ trigger.payload.severity }}', scope: 'flow' },
      },
      {
        key: 'is_emergency',
        type: 'condition',
        config: { expression: "trigger.payload.severity == 'emergency'" },
      },
      {
        key: 'emergency_alert',
        type: 'alert',
        config: {
          level: 'emergency',
          message: 'Emergency in the {{ trigger.payload.room }}: {{ trigger.payload.reason }}',
        },
      },
      { key: 'follow_up', type: 'log', config: { message: 'escalated at {{ system.local_time }}' } },
      {
        key: 'routine_alert',
        type: 'alert',
        config: { level: 'info', message: 'Routine: {{ trigger.payload.reason }}' },
      },
    ],
    edges: [
      { source: 'assess', target: 'logic_response' },
      { source: 'logic_response', target: 'is_emergency' },
      { source: 'is_emergency', sourcePort: 'true', target: 'emergency_alert' },
      { source: 'emergency_alert', target: 'follow_up' },
      { source: 'is_emergency', sourcePort: 'false', target: 'routine_alert' },
    ],
  },
  {
    // 004: stove caution when grandma walks into the kitchen, at most once an hour.
    name: '004 stove caution',
    steps: [
      {
        key: 'kitchen_motion',
        type: 'sensor_value',
        config: { metric: 'motion', nodeId: '$node:kitchen-camera', operator: '>=', value: 1 },
      },
      // The seed's time_range filter: avoid waking her at night.
      { key: 'daytime', type: 'time_window', config: { start: '06:00', end: '22:00' } },
      { key: 'once_an_hour', type: 'cooldown', config: { minutes: 60 } },
      {
        key: 'caution',
        type: 'tts_announcement',
        config: {
          deviceId: '$device:Kitchen tablet',
          message: "Hi grandma, please be careful around the stove. Turn it off when you're done cooking.",
        },
      },
    ],
    edges: [
      { source: 'kitchen_motion', target: 'daytime' },
      { source: 'daytime', sourcePort: 'inside', target: 'once_an_hour' },
      { source: 'once_an_hour', sourcePort: 'pass', target: 'caution' },
    ],
  },
  {
    // 004: remind grandma when she has not had lunch by 14:00.
    name: '004 lunch reminder',
    steps: [
      { key: 'at_two', type: 'schedule', config: { cron: '0 14 * * *', timezone: 'Europe/London' } },
      {
        key: 'had_lunch',
        type: 'verification',
        config: {
          conditions: [{ activityType: 'meal_lunch', person: 'grandma', minConfidence: 0.6 }],
          windowStart: '11:00',
          windowEnd: '14:00',
        },
      },
      { key: 'remind', type: 'alert', config: { level: 'reminder', message: "Grandma, it's lunch time." } },
    ],
    edges: [
      { source: 'at_two', target: 'had_lunch' },
      { source: 'had_lunch', sourcePort: 'not_verified', target: 'remind' },
    ],
  },
  {
    // 004: medication recorded on demand (the seed's Telegram command, here a webhook).
    name: '004 medication on demand',
    steps: [
      { key: 'command', type: 'webhook', config: {} },
      {
        key: 'taken',
        type: 'activity_record',
        config: {
          activityType: 'medication',
          person: '{{ trigger.payload.body.from }}',
          metadata: { via: 'webhook' },
        },
      },
    ],
    edges: [{ source: 'command', target: 'taken' }],
  },
  {
    // HALO: check every gateway over SSH, report to the family webhook, and run the branching flow.
    name: 'HALO gateway check',
    templates: [
      {
        name: 'Family Slack',
        type: 'webhook_out',
        config: {
          format: 'slack',
          url: 'https://hooks.example.org/family',
          message: 'Gateway check: {prev_result}',
        },
      },
    ],
    steps: [
      { key: 'inbound', type: 'webhook', config: {} },
      {
        key: 'each_gateway',
        type: 'for_each_node',
        config: {
          selector: { ids: ['$node:living-room-gateway', '$node:garage-pi'] },
          action: { type: 'command', config: { command: 'uptime' } },
        },
        onError: 'SKIP',
      },
      {
        key: 'status_api',
        type: 'http',
        config: {
          method: 'GET',
          url: 'https://status.example.org/api',
          headers: { Authorization: 'Bearer very-secret-token', Accept: 'application/json' },
        },
        timeoutMs: 5000,
      },
      {
        key: 'tell_family',
        type: 'webhook_out',
        actionTemplate: 'Family Slack',
        config: { message: 'Checked {node_name}' },
      },
      {
        key: 'nested',
        type: 'trigger_flow',
        config: { flowId: '$flow:003 branching', payload: { users: [] } },
      },
    ],
    edges: [
      { source: 'inbound', target: 'each_gateway' },
      { source: 'each_gateway', target: 'status_api' },
      { source: 'status_api', target: 'tell_family' },
      { source: 'tell_family', target: 'nested' },
    ],
  },
];

/** `$node:name`, `$device:name` and `$flow:name` in a config stand for that thing's id on the server. */
async function placeholderIds(server: Pick<TestServer, 'gql' | 'loginAs'>): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const admin = await server.loginAs(ADMIN.email, ADMIN.password);
  const nodes = await server.gql(`{ gatewayNodes(first: 100) { edges { node { id name } } } }`);
  for (const { node } of nodes.data.gatewayNodes.edges) ids.set(`$node:${node.name}`, rawId(node.id));
  const devices = await server.gql(`{ devices { id name } }`, {}, admin);
  for (const device of devices.data?.devices ?? []) ids.set(`$device:${device.name}`, rawId(device.id));
  const flows = await server.gql(`{ flows(first: 100) { edges { node { id name } } } }`);
  for (const { node } of flows.data.flows.edges) ids.set(`$flow:${node.name}`, rawId(node.id));
  return ids;
}

const rawId = (globalId: string) =>
  Buffer.from(globalId, 'base64').toString('utf8').split(':').slice(1).join(':');

function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string' && value.startsWith('$')) {
    const id = ids.get(value);
    if (!id) throw new Error(`seed flows: nothing for ${value}`);
    return id;
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, ids)]));
  }
  return value;
}

/** The nodes and tablets the seed flows need (the demo household already has some of them). */
export async function createSeedHousehold(server: Pick<TestServer, 'gql' | 'loginAs'>): Promise<void> {
  const existing = await placeholderIds(server);
  const admin = await server.loginAs(ADMIN.email, ADMIN.password);
  for (const name of SEED_NODES) {
    if (existing.has(`$node:${name}`)) continue;
    const created = await server.gql(
      `mutation($name: String!) { createNode(input: { name: $name, kind: "gateway" }) { __typename } }`,
      { name },
    );
    expect(created.data.createNode.__typename, JSON.stringify(created)).toBe('MutationCreateNodeSuccess');
  }
  for (const device of SEED_DEVICES) {
    if (existing.has(`$device:${device.name}`)) continue;
    const created = await server.gql(
      `mutation($name: String!, $room: String, $person: String) { createDevice(name: $name, room: $room, person: $person) { __typename } }`,
      device,
      admin,
    );
    expect(created.data.createDevice.__typename, JSON.stringify(created)).toBe('MutationCreateDeviceSuccess');
  }
}

/** Creates every seed flow (and its templates) over the API; returns their global IDs by name. */
export async function createSeedFlows(
  server: Pick<TestServer, 'gql' | 'loginAs'>,
): Promise<Map<string, string>> {
  const created = new Map<string, string>();
  const templates = new Map<string, string>();
  for (const flow of SEED_FLOWS) {
    for (const template of flow.templates ?? []) {
      const result = await server.gql(
        `mutation($name: String!, $type: String!, $config: JSONObject!) {
          createActionTemplate(name: $name, type: $type, config: $config) {
            __typename ... on MutationCreateActionTemplateSuccess { data { id } } ... on Error { message } } }`,
        template,
      );
      expect(result.data.createActionTemplate.__typename, JSON.stringify(result)).toBe(
        'MutationCreateActionTemplateSuccess',
      );
      templates.set(template.name, result.data.createActionTemplate.data.id);
    }
    const ids = await placeholderIds(server);
    const steps = flow.steps.map(({ actionTemplate, ...step }) => ({
      ...(substitute(step, ids) as Record<string, unknown>),
      ...(typeof actionTemplate === 'string' && { actionTemplateId: templates.get(actionTemplate) }),
    }));
    created.set(flow.name, await createFlowOrFail(server, flow.name, steps, flow.edges));
  }
  return created;
}
