import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

// The server runs in this process, so every SQL statement it executes goes through the prototype of
// better-sqlite3's Statement; counting calls there counts statements per request.
// better-sqlite3 ships no types; the probe only needs prepare/close.
const { default: Database } = (await import('better-sqlite3' as string)) as {
  default: new (file: string) => { prepare(sql: string): object; close(): void };
};
const probe = new Database(':memory:');
const statementPrototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
probe.close();
let executed = 0;
const originals = new Map<string, unknown>();
for (const method of ['all', 'get', 'run', 'iterate']) {
  const original = statementPrototype[method] as (...args: unknown[]) => unknown;
  originals.set(method, original);
  statementPrototype[method] = function (this: unknown, ...args: unknown[]) {
    executed += 1;
    return original.apply(this, args);
  };
}

const TEMPLATE = `mutation($name: String!, $type: String!, $config: JSONObject!) {
  createActionTemplate(name: $name, type: $type, config: $config) {
    __typename ... on MutationCreateActionTemplateSuccess { data { id } } } }`;

const LIST = `query($first: Int!) { flows(first: $first) { edges { node {
  steps { key type label config resolvedConfig actionTemplate { name } }
  edges { source target sourcePort } } } } }`;

let server: TestServer;
let created = 0;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
  for (const [method, original] of originals) statementPrototype[method] = original;
});

async function createFlows(upTo: number, templateId: string) {
  for (; created < upTo; created += 1) {
    const result = await server.gql(CREATE_FLOW, {
      input: {
        name: `Read model ${created}`,
        steps: [
          { key: 'start', type: 'manual' },
          { key: 'hot', type: 'threshold', config: { path: 'trigger.value', operator: '>', value: 30 } },
          { key: 'warn', type: 'alert', actionTemplateId: templateId, config: { message: `n${created}` } },
        ],
        edges: [
          { source: 'start', target: 'hot' },
          { source: 'hot', sourcePort: 'true', target: 'warn' },
        ],
      },
    });
    expect(result.data.createFlow.__typename, JSON.stringify(result)).toBe('MutationCreateFlowSuccess');
  }
}

async function statementsForList(first: number) {
  const before = executed;
  const result = await server.gql(LIST, { first });
  expect(result.errors).toBeUndefined();
  expect(result.data.flows.edges).toHaveLength(first);
  return executed - before;
}

describe('flows list read path', () => {
  it('runs the same number of SQL statements for 10 flows as for 40 (steps, edges, templates batched)', async () => {
    const template = await server.gql(TEMPLATE, {
      name: 'Read model warning',
      type: 'alert',
      config: { level: 'warning', message: 'Look at home' },
    });
    const templateId = template.data.createActionTemplate.data.id as string;
    await createFlows(10, templateId);
    const forTen = await statementsForList(10);
    await createFlows(40, templateId);
    const forForty = await statementsForList(40);
    expect(forForty).toBe(forTen);
  });
});
