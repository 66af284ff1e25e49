import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const CREATE = `mutation($input: CreateFlowInput!) { createFlow(input: $input) { __typename ... on InvalidInputError { issues { field message } } ... on FlowValidationError { issues { field message } } } }`;

async function issuesOf(input: Record<string, unknown>) {
  const result = await server.gql(CREATE, { input });
  expect(result.errors).toBeUndefined();
  return result.data.createFlow as { __typename: string; issues?: Array<{ field: string; message: string }> };
}

const chain = (count: number) => ({
  steps: [
    { key: 'start', type: 'manual', config: {} },
    ...Array.from({ length: count - 1 }, (_, i) => ({ key: `s${i}`, type: 'log', config: { message: 'x' } })),
  ],
  edges: Array.from({ length: count - 1 }, (_, i) => ({
    source: i === 0 ? 'start' : `s${i - 1}`,
    target: `s${i}`,
  })),
});

describe('flow size limits, each a typed error naming the field', () => {
  it('refuses more than 500 steps', async () => {
    const result = await issuesOf({ name: 'Too many', ...chain(600) });
    expect(result.__typename).toBe('InvalidInputError');
    expect(result.issues![0]!.field).toBe('input.steps');
    expect(result.issues![0]!.message).toMatch(/at most 500 steps/);
  });

  it('saves a 500-step chain (validated without recursion)', async () => {
    const result = await issuesOf({ name: 'Long chain', ...chain(500) });
    expect(result.__typename).toBe('MutationCreateFlowSuccess');
  });

  it('refuses an over-long label, an over-large or over-deep config', async () => {
    const label = await issuesOf({
      name: 'Long label',
      steps: [{ key: 'start', type: 'manual', config: {}, label: 'x'.repeat(5000) }],
    });
    expect(label.issues![0]!.field).toBe('input.steps.0.label');
    const big = await issuesOf({
      name: 'Big config',
      steps: [{ key: 'start', type: 'manual', config: { blob: 'x'.repeat(70 * 1024) } }],
    });
    expect(big.issues![0]!.field).toBe('input.steps.0.config');
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 30; i++) deep = { deeper: deep };
    const nested = await issuesOf({
      name: 'Deep config',
      steps: [{ key: 'start', type: 'manual', config: deep }],
    });
    expect(nested.issues![0]!.message).toMatch(/deeper than 20/);
    const description = await issuesOf({ name: 'Long description', description: 'x'.repeat(3000) });
    expect(description.issues![0]!.field).toBe('input.description');
  });

  it('counts the merged flow, not the batch: steps and edges past the limit are refused, nothing changed', async () => {
    const created = (await server.gql(
      `mutation($input: CreateFlowInput!) { createFlow(input: $input) { ... on MutationCreateFlowSuccess { data { id version } } } }`,
      { input: { name: 'Merged total', ...chain(400) } },
    )) as { data: { createFlow: { data: { id: string; version: number } } } };
    const { id, version } = created.data.createFlow.data;
    const more = Array.from({ length: 200 }, (_, i) => ({
      key: `more${i}`,
      type: 'log',
      config: { message: 'x' },
    }));
    const saved = await server.gql(
      `mutation($id: ID!, $v: Int!, $steps: [FlowStepInput!]) { saveFlowSteps(flowId: $id, expectedVersion: $v, steps: $steps) { __typename ... on FlowValidationError { issues { field message } } } }`,
      { id, v: version, steps: more },
    );
    expect(saved.data.saveFlowSteps.__typename).toBe('FlowValidationError');
    expect(saved.data.saveFlowSteps.issues[0].field).toBe('steps');
    expect(saved.data.saveFlowSteps.issues[0].message).toMatch(/at most 500 steps .*600/);
    const after = await server.gql(
      `query($id: ID!) { node(id: $id) { ... on Flow { version stepCount } } }`,
      { id },
    );
    expect(after.data.node).toEqual({ version, stepCount: 400 });
  });
});

describe('a huge label', () => {
  // The body limit (2 MB on /graphql) is checked before anything is parsed, so a 5 MB label is refused
  // by size without its field being read; below the body limit the field limit answers, by name.
  it('of 5 MB is refused by the body limit with a typed 413, before parsing; the server keeps answering', async () => {
    const body = JSON.stringify({
      query: CREATE,
      variables: {
        input: {
          name: 'Huge',
          steps: [{ key: 'start', type: 'manual', label: 'x'.repeat(5 * 1024 * 1024) }],
        },
      },
    });
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body,
    }).catch((error: unknown) => error);
    // The answer is written in full before the connection closes, so the client reads it.
    expect(response).toBeInstanceOf(Response);
    const refused = response as Response;
    expect(refused.status).toBe(413);
    const answer = (await refused.json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(answer.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(answer.errors[0]!.message).toMatch(/larger than 2097152 bytes/);
    expect((await server.gql(`{ flows { totalCount } }`)).errors).toBeUndefined();
  });

  it('under the body limit (1.5 MB) is refused by the label limit, naming the field', async () => {
    const label = await issuesOf({
      name: 'Big label',
      steps: [{ key: 'start', type: 'manual', config: {}, label: 'x'.repeat(1536 * 1024) }],
    });
    expect(label.__typename).toBe('InvalidInputError');
    expect(label.issues![0]!.field).toBe('input.steps.0.label');
    expect(label.issues![0]!.message).toMatch(/200/);
    const flows = await server.gql(`{ flows(first: 100) { edges { node { name } } } }`);
    expect(flows.data.flows.edges.map((e: { node: { name: string } }) => e.node.name)).not.toContain(
      'Big label',
    );
  });
});
