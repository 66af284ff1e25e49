import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW, COUNTS, sampleGraph } from './fixtures.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let adminToken: string;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
  adminToken = await server.loginAs(ADMIN.email, ADMIN.password);
});
afterAll(() => server.stop());

const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Error { message code } ... on MutationLoginSuccess { data { token user { email role } } } } }`;

async function createUser(role: 'CAREGIVER' | 'VIEWER', email: string) {
  const result = await server.gql(
    `mutation($e: String!, $r: UserRole!) { createUser(email: $e, name: "Someone", role: $r, password: "long enough pw") { __typename } }`,
    { e: email, r: role },
    adminToken,
  );
  expect(result.data.createUser.__typename).toBe('MutationCreateUserSuccess');
  return server.loginAs(email, 'long enough pw');
}

describe('authentication', () => {
  it('logs in with email and password and knows who is calling', async () => {
    const result = await server.gql(LOGIN, { e: ' Admin@Example.test ', p: ADMIN.password }, null);
    expect(result.data.login.data.user).toEqual({ email: ADMIN.email, role: 'ADMIN' });
    const viewer = await server.gql(
      `{ viewer { __typename ... on User { email } } }`,
      {},
      result.data.login.data.token,
    );
    expect(viewer.data.viewer).toEqual({ __typename: 'User', email: ADMIN.email });
  });

  it('refuses a wrong password or unknown email with the same typed error', async () => {
    const wrong = await server.gql(LOGIN, { e: ADMIN.email, p: 'nope' }, null);
    const unknown = await server.gql(LOGIN, { e: 'who@example.test', p: 'nope' }, null);
    expect(wrong.data.login).toEqual({
      __typename: 'InvalidCredentialsError',
      message: 'email or password is wrong',
      code: 'INVALID_CREDENTIALS',
    });
    expect(unknown.data.login).toEqual(wrong.data.login);
  });

  it('answers 401 to anonymous calls and to made-up tokens; only login and health are public', async () => {
    const anonymous = await server.gql(`{ flows { totalCount } }`, {}, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await server.gql(`{ flows { totalCount } }`, {}, 'kfk_forged_forged_forged_forged_forged');
    expect(forged.status).toBe(401);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await server.rest('GET', '/v1/flows', undefined, null)).status).toBe(401);
  });

  it('logout ends the session', async () => {
    const token = await server.loginAs(ADMIN.email, ADMIN.password);
    expect((await server.gql(`mutation { logout }`, {}, token)).data.logout).toBe(true);
    expect((await server.gql(`{ viewer { __typename } }`, {}, token)).status).toBe(401);
  });
});

describe('roles and scopes', () => {
  it('a viewer can read but cannot change anything', async () => {
    const viewer = await createUser('VIEWER', 'viewer@example.test');
    const before = await server.gql(COUNTS);
    expect((await server.gql(COUNTS, {}, viewer)).data).toEqual(before.data);
    const flowId = (await server.gql(`{ flows(first: 1) { edges { node { id version } } } }`)).data.flows
      .edges[0].node.id;
    const attempts = [
      server.gql(CREATE_FLOW, { input: { name: 'By viewer', ...sampleGraph() } }, viewer),
      server.gql(`mutation($id: ID!) { deleteFlow(id: $id) { __typename } }`, { id: flowId }, viewer),
      server.gql(
        `mutation($id: ID!) { updateFlow(id: $id, input: { enabled: false }) { __typename } }`,
        { id: flowId },
        viewer,
      ),
      server.gql(
        `mutation($id: ID!) { replaceFlowEdges(flowId: $id, expectedVersion: 1, edges: []) { __typename } }`,
        { id: flowId },
        viewer,
      ),
      server.gql(
        `mutation($id: ID!) { saveStepPositions(flowId: $id, positions: []) { __typename } }`,
        { id: flowId },
        viewer,
      ),
      server.gql(`mutation { createApiKey(name: "x", scopes: [READ]) { __typename } }`, {}, viewer),
    ];
    for (const attempt of await Promise.all(attempts)) {
      expect(attempt.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await server.gql(COUNTS)).data).toEqual(before.data);
    expect((await server.rest('DELETE', `/v1/flows/${flowId}`, undefined, viewer)).status).toBe(403);
  });

  it('a caregiver can edit flows but not manage API keys', async () => {
    const caregiver = await createUser('CAREGIVER', 'carer@example.test');
    const created = await server.gql(
      CREATE_FLOW,
      { input: { name: 'By caregiver', ...sampleGraph() } },
      caregiver,
    );
    expect(created.data.createFlow.__typename).toBe('MutationCreateFlowSuccess');
    const key = await server.gql(
      `mutation { createApiKey(name: "x", scopes: [READ]) { __typename } }`,
      {},
      caregiver,
    );
    expect(key.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('API keys carry scopes: a read-only key reads but cannot write', async () => {
    const created = await server.gql(
      `mutation { createApiKey(name: "dashboard", scopes: [READ]) { ... on MutationCreateApiKeySuccess { data { token apiKey { prefix scopes } } } } }`,
      {},
      adminToken,
    );
    const { token, apiKey } = created.data.createApiKey.data;
    expect(apiKey).toEqual({ prefix: token.slice(0, 10), scopes: ['READ'] });
    expect((await server.gql(COUNTS, {}, token)).data.flows.totalCount).toBeGreaterThan(0);
    const write = await server.gql(CREATE_FLOW, { input: { name: 'By read key' } }, token);
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const viewer = await server.gql(`{ viewer { __typename ... on ApiClient { name scopes } } }`, {}, token);
    expect(viewer.data.viewer).toEqual({ __typename: 'ApiClient', name: 'dashboard', scopes: ['READ'] });
  });

  it('an admin lists users and keys and revokes a key, which stops working at once', async () => {
    const created = await server.gql(
      `mutation { createApiKey(name: "short-lived", scopes: [READ, TRIGGER]) { ... on MutationCreateApiKeySuccess { data { token apiKey { id } } } } }`,
      {},
      adminToken,
    );
    const { token, apiKey } = created.data.createApiKey.data;
    expect((await server.gql(COUNTS, {}, token)).status).toBe(200);
    const keys = await server.gql(`{ apiKeys { name revokedAt } users { email role } }`, {}, adminToken);
    expect(keys.data.apiKeys[0]).toEqual({ name: 'short-lived', revokedAt: null });
    expect(keys.data.users.map((user: { email: string }) => user.email)).toContain(ADMIN.email);
    const revoked = await server.gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { ... on MutationRevokeApiKeySuccess { data { revokedAt } } } }`,
      { id: apiKey.id },
      adminToken,
    );
    expect(revoked.data.revokeApiKey.data.revokedAt).toBeTruthy();
    expect((await server.gql(COUNTS, {}, token)).status).toBe(401);
    expect((await server.gql(`{ apiKeys { name } }`)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a tablet token sees only its own device, not flows', async () => {
    const device = await server.gql(
      `mutation { createDevice(name: "Hall tablet", room: "Hall") { ... on MutationCreateDeviceSuccess { data { token device { id name } } } } }`,
      {},
      adminToken,
    );
    const { token } = device.data.createDevice.data;
    const viewer = await server.gql(`{ viewer { __typename ... on Device { name room } } }`, {}, token);
    expect(viewer.data.viewer).toEqual({ __typename: 'Device', name: 'Hall tablet', room: 'Hall' });
    expect((await server.gql(COUNTS, {}, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('Device.lastSeenAt', () => {
  it('is set when a tablet calls in with its device token', async () => {
    const created = await server.gql(
      `mutation { createDevice(name: "Porch tablet") { ... on MutationCreateDeviceSuccess { data { token device { id lastSeenAt } } } } }`,
      {},
      adminToken,
    );
    const { token, device } = created.data.createDevice.data;
    expect(device.lastSeenAt).toBeNull();
    const seen = async () =>
      (await server.gql(`{ devices { id lastSeenAt } }`, {}, adminToken)).data.devices.find(
        (d: { id: string }) => d.id === device.id,
      ).lastSeenAt as string | null;
    expect(await seen()).toBeNull();
    const before = Date.now();
    await server.gql(`{ viewer { __typename } }`, {}, token);
    const first = await seen();
    expect(first).not.toBeNull();
    expect(Date.parse(first!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(first!)).toBeLessThanOrEqual(Date.now());
  });
});
