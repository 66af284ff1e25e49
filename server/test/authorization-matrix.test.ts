import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../src/graphql/schema.js';
import { createCallers } from './callers.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

/**
 * Who may call each root field. Every Query, Mutation and Subscription field needs a rule here: a new
 * field without one fails this test (and so the build). `public` is anyone, `authenticated` anyone
 * signed in; the others name the permission needed (roles and key scopes grant permissions).
 */
type Rule =
  | 'public'
  | 'authenticated'
  | 'read'
  | 'write'
  | 'trigger'
  | 'ingest'
  | 'admin'
  /** Only a tablet's device token. */
  | 'device'
  /** A tablet, a person who may write (answering on the senior's behalf), or a RESPOND key. */
  | 'answer';
const RULES: Record<string, Rule> = {
  'Query.actionTemplates': 'read',
  'Query.alerts': 'read',
  'Query.apiKeys': 'admin',
  'Query.cronPreview': 'read',
  'Query.dataKeys': 'read',
  'Query.expressionIssues': 'read',
  'Query.devices': 'read',
  'Query.execution': 'read',
  'Query.executions': 'read',
  'Query.flow': 'read',
  'Query.flowMetadata': 'read',
  'Query.flows': 'read',
  'Query.gatewayNode': 'read',
  'Query.gatewayNodes': 'read',
  'Query.latestTelemetry': 'read',
  'Query.metricPreview': 'read',
  // node(id:)/nodes(ids:) apply the rules of the type they find (node-authorization.test.ts).
  'Query.node': 'public',
  'Query.nodes': 'public',
  'Query.stepTypes': 'read',
  'Query.telemetryMetrics': 'read',
  'Query.users': 'admin',
  'Query.viewer': 'authenticated',
  'Mutation.acknowledgeAlert': 'write',
  'Mutation.cancelExecution': 'trigger',
  'Mutation.createActionTemplate': 'write',
  'Mutation.createApiKey': 'admin',
  'Mutation.createDevice': 'admin',
  'Mutation.createFlow': 'write',
  'Mutation.createNode': 'write',
  'Mutation.createUser': 'admin',
  'Mutation.deleteActionTemplate': 'write',
  'Mutation.deleteFlow': 'write',
  'Mutation.deleteNode': 'write',
  'Mutation.ingestTelemetry': 'ingest',
  'Mutation.issueWebhookUrl': 'write',
  'Mutation.login': 'public',
  'Mutation.logout': 'authenticated',
  'Mutation.postNodeEvent': 'ingest',
  'Mutation.replaceFlowEdges': 'write',
  'Mutation.rerunExecution': 'trigger',
  'Mutation.revokeApiKey': 'admin',
  'Mutation.saveFlowSteps': 'write',
  'Mutation.saveStepPositions': 'write',
  'Mutation.testStep': 'write',
  'Mutation.triggerFlow': 'trigger',
  'Mutation.updateActionTemplate': 'write',
  'Mutation.updateFlow': 'write',
  'Mutation.updateNode': 'write',
  'Mutation.validateFlow': 'read',
  'Subscription.alertRaised': 'read',
  'Subscription.pipelineExecutionEvents': 'read',
  'Query.activities': 'read',
  'Query.executionEventsCursor': 'read',
  'Query.exportFlow': 'read',
  'Query.infoCards': 'read',
  'Query.needsAttention': 'read',
  'Query.pendingPrompts': 'read',
  'Query.previewImport': 'read',
  'Query.tabletDeliveries': 'read',
  'Query.unacknowledgedAlertCounts': 'read',
  'Query.variables': 'read',
  'Mutation.acknowledgeAlerts': 'write',
  'Mutation.acknowledgeDelivery': 'device',
  'Mutation.answerPrompt': 'answer',
  'Mutation.approveInfoCard': 'admin',
  'Mutation.createDevicePairing': 'admin',
  'Mutation.createInfoCard': 'write',
  'Mutation.deleteVariable': 'write',
  'Mutation.importFlow': 'write',
  'Mutation.markAttentionSeen': 'read',
  'Mutation.pairDevice': 'public',
  'Mutation.revokeDevice': 'admin',
  'Mutation.setVariable': 'write',
  'Mutation.updateDevice': 'admin',
  'Mutation.updateInfoCard': 'write',
  'Subscription.alertsAcknowledged': 'read',
  'Subscription.deviceFeed': 'device',
};

const PERMISSIONS: Record<string, Rule[]> = {
  anonymous: [],
  device: ['device', 'answer'],
  viewer: ['read'],
  caregiver: ['read', 'write', 'trigger', 'ingest', 'answer'],
  admin: ['read', 'write', 'trigger', 'ingest', 'admin', 'answer'],
  'key:READ': ['read'],
  'key:WRITE': ['write', 'answer'],
  'key:TRIGGER': ['trigger'],
  'key:INGEST': ['ingest'],
  'key:RESPOND': ['answer'],
};

const allowed = (rule: Rule, actor: string) =>
  rule === 'public' ||
  (rule === 'authenticated' ? actor !== 'anonymous' : PERMISSIONS[actor]!.includes(rule));

const schema = buildSchema();
const ROOTS = ['Query', 'Mutation', 'Subscription'] as const;
const fields = ROOTS.flatMap((root) => {
  const type =
    root === 'Query'
      ? schema.getQueryType()
      : root === 'Mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return Object.values(type?.getFields() ?? {}).map((field) => ({
    root,
    field,
    name: `${root}.${field.name}`,
  }));
});

/** A value of the right shape for an argument; IDs point at nothing, which auth must not care about. */
function sample(type: GraphQLInputType, extensions: Record<string, unknown> = {}): unknown {
  if (isNonNullType(type)) return sample(type.ofType, extensions);
  // Valid-looking values: argument validation answers before authorization (noted in the issue).
  if (extensions.email) return 'matrix@example.test';
  if (isListType(type)) return [sample(type.ofType, extensions)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields()))
      if (isNonNullType(field.type)) out[field.name] = sample(field.type, field.extensions);
    return out;
  }
  switch (getNamedType(type).name) {
    case 'ID': {
      // Global IDs name their type; the arg says which (Pothos records it).
      const typename =
        (extensions.relayGlobalIDFor as Array<{ typename: string }> | undefined)?.[0]?.typename ?? 'Flow';
      return encodeGlobalID(typename, '00000000-0000-7000-8000-000000000000');
    }
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return true;
    case 'JSON':
    case 'JSONObject':
      return {};
    case 'DateTime':
      return new Date().toISOString();
    default:
      return 'matrix_value';
  }
}

function operationFor(root: (typeof ROOTS)[number], field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((arg) => isNonNullType(arg.type));
  const variables = Object.fromEntries(
    required.map((arg) => [arg.name, sample(arg.type, { ...arg.extensions, email: arg.name === 'email' })]),
  );
  const declared = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const keyword = root.toLowerCase();
  const query = `${keyword}${declared ? ` Matrix(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
  return { query, variables };
}

let server: TestServer;
let tokens: Record<string, string | null> = {};
beforeAll(async () => {
  server = await startTestServer({ demo: true });
  const admin = await server.loginAs(ADMIN.email, ADMIN.password);
  tokens = (await createCallers(server, admin)).tokens;
});
afterAll(() => server.stop());

/** 'denied' when the field answered UNAUTHENTICATED or FORBIDDEN; anything else got past authorization. */
async function attempt(
  name: string,
  root: (typeof ROOTS)[number],
  field: GraphQLField<unknown, unknown>,
  token: string | null,
) {
  const { query, variables } = operationFor(root, field);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // A subscription that passes authorization cannot be answered as one JSON response (406).
      accept: 'application/graphql-response+json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  if (root === 'Subscription' && response.status === 406) return 'allowed';
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  const codes = (body.errors ?? []).map((error) => error.extensions?.code);
  if (codes.includes('GRAPHQL_VALIDATION_FAILED')) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
  const verdict = codes.includes('FORBIDDEN') || codes.includes('UNAUTHENTICATED') ? 'denied' : 'allowed';
  if (verdict === 'allowed' && !token && process.env.MATRIX_DEBUG)
    console.log('DEBUG', name, JSON.stringify(body).slice(0, 300));
  return verdict;
}

describe('authorization matrix (every operation × every kind of caller)', () => {
  it('every root field has a rule', () => {
    const missing = fields.map((field) => field.name).filter((name) => !(name in RULES));
    expect(missing, 'add a rule to RULES for each new field').toEqual([]);
    const stale = Object.keys(RULES).filter((name) => !fields.some((field) => field.name === name));
    expect(stale).toEqual([]);
  });

  it('each caller is allowed exactly what its rule says', async () => {
    // logout ends the session it is called with, so it goes last.
    const ordered = [...fields].sort(
      (a, b) => Number(a.name === 'Mutation.logout') - Number(b.name === 'Mutation.logout'),
    );
    const mismatches: string[] = [];
    await Promise.all(
      Object.keys(PERMISSIONS).map(async (actor) => {
        for (const { root, field, name } of ordered) {
          const rule = RULES[name];
          if (!rule) continue;
          const expected = allowed(rule, actor) ? 'allowed' : 'denied';
          const observed = await attempt(name, root, field, tokens[actor] ?? null);
          if (observed !== expected)
            mismatches.push(`${name} as ${actor}: expected ${expected}, got ${observed}`);
        }
      }),
    );
    expect(mismatches).toEqual([]);
  }, 120_000);
});
