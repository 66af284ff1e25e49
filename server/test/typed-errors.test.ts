import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let admin: string;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
  admin = await server.loginAs(ADMIN.email, ADMIN.password);
});
afterAll(() => server.stop());

const ISSUES = `... on Error { code message } ... on InvalidInputError { issues { field message } }`;
const FLOW_ISSUES = `... on Error { code message } ... on FlowValidationError { issues { field message } }`;

/**
 * The typed error of the one field asked for: a result-union error, or (for fields without a union)
 * a GraphQL error with code INVALID_INPUT and its issues. Never "Unexpected error.".
 */
async function typedError(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const result = await server.gql(query, variables, token);
  expect(JSON.stringify(result)).not.toMatch(/Unexpected error/);
  if (result.errors) {
    expect(result.errors[0]!.extensions?.code, JSON.stringify(result.errors)).toBe('INVALID_INPUT');
    return { __typename: 'InvalidInputError', ...result.errors[0]!.extensions };
  }
  return Object.values(result.data as Record<string, any>)[0];
}

describe('every expected failure is typed and names the field', () => {
  it('cronPreview(count: 1e9)', async () => {
    const error = await typedError(
      `{ cronPreview(expression: "* * * * *", count: 1000000000) { __typename } }`,
    );
    expect(error.issues[0].field).toBe('count');
  });

  it('issueWebhookUrl(graceMinutes: -1)', async () => {
    const flows = await server.gql(`{ flows { edges { node { id } } } }`);
    const error = await typedError(
      `mutation($id: ID!) { issueWebhookUrl(flowId: $id, stepKey: "hook", graceMinutes: -1) { __typename ${ISSUES} } }`,
      { id: flows.data.flows.edges[0].node.id },
    );
    expect(error.issues[0].field).toBe('graceMinutes');
  });

  it('metricPreview(limit: -1)', async () => {
    const error = await typedError(
      `{ metricPreview(metric: "temperature", limit: -1) { __typename ${ISSUES} } }`,
    );
    expect(error.issues[0].field).toBe('limit');
  });

  it('a duplicate createUser names the email and leaks nothing', async () => {
    const create = `mutation { createUser(email: "twice@example.test", name: "T", role: VIEWER, password: "long-enough-pw") { __typename ${ISSUES} } }`;
    await typedError(create, {}, admin);
    const error = await typedError(create, {}, admin);
    expect(error.__typename).toBe('InvalidInputError');
    expect(error.issues[0].field).toBe('email');
    expect(JSON.stringify(error)).not.toMatch(/scrypt|insert|constraint/i);
  });

  it('a NUL character in a flow name is refused as input, not by SQL', async () => {
    const error = await typedError(
      `mutation($input: CreateFlowInput!) { createFlow(input: $input) { __typename ${ISSUES} } }`,
      { input: { name: 'bad\u0000name' } },
    );
    expect(error.issues[0].field).toBe('input.name');
    expect(JSON.stringify(error)).not.toMatch(/SQL|token/i);
  });

  it('a wait of 1e300 seconds is refused at save time', async () => {
    const error = await typedError(
      `mutation($input: CreateFlowInput!) { createFlow(input: $input) { __typename ${FLOW_ISSUES} } }`,
      {
        input: {
          name: 'Very long wait',
          steps: [
            { key: 'start', type: 'manual', config: {} },
            { key: 'pause', type: 'wait', config: { seconds: 1e300 } },
          ],
          edges: [{ source: 'start', target: 'pause' }],
        },
      },
    );
    expect(error.__typename).toBe('FlowValidationError');
    expect(JSON.stringify(error.issues)).toMatch(/seconds/);
  });
});
