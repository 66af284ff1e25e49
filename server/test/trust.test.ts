import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let production: TestServer;
let admin: string;
beforeAll(async () => {
  [server, production] = await Promise.all([
    startTestServer({ demo: true }),
    startTestServer({ env: { NODE_ENV: 'production' } }),
  ]);
  admin = await server.loginAs(ADMIN.email, ADMIN.password);
});
afterAll(() => Promise.all([server.stop(), production.stop()]));

async function keyWith(scope: string): Promise<string> {
  const created = await server.gql(
    `mutation { createApiKey(name: "${scope}", scopes: [${scope}]) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
    {},
    admin,
  );
  return created.data.createApiKey.data.token;
}

const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename ... on Error { code } ... on LoginThrottledError { retryAfterSeconds } } }`;

describe('a key allowed to act can read what it did', () => {
  it('a TRIGGER-only key gets its run back, not a 403', async () => {
    const flows = await server.gql(`{ flows { edges { node { id name } } } }`);
    const flowId = flows.data.flows.edges[0].node.id;
    const trigger = await keyWith('TRIGGER');
    const run = await server.gql(
      `mutation($id: ID!) { triggerFlow(id: $id) { __typename ... on MutationTriggerFlowSuccess { data { id status } } } }`,
      { id: flowId },
      trigger,
    );
    expect(run.errors).toBeUndefined();
    expect(run.data.triggerFlow.data.id).toBeTruthy();
    // Reading other runs still needs READ.
    const other = await server.gql(`{ flows { totalCount } }`, {}, trigger);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a WRITE-only key gets the flow it created', async () => {
    const write = await keyWith('WRITE');
    const created = await server.gql(
      `mutation { createFlow(input: { name: "Written by a write key" }) { __typename ... on MutationCreateFlowSuccess { data { id name version } } } }`,
      {},
      write,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createFlow.data).toMatchObject({ name: 'Written by a write key', version: 1 });
  });
});

describe('steps and edges keep their own rule (checked once per object, not per field)', () => {
  it('a WRITE-only key gets the flow it created but not its steps; node(id:) of a step needs READ', async () => {
    const write = await keyWith('WRITE');
    const created = await server.gql(
      `mutation { createFlow(input: { name: "Steps of a write key", steps: [{ key: "start", type: "manual" }, { key: "note", type: "log", config: { message: "hi" } }], edges: [{ source: "start", target: "note" }] }) {
        __typename ... on MutationCreateFlowSuccess { data { id name steps { key } edges { source } } } } }`,
      {},
      write,
    );
    expect(created.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(created.data ?? {})).not.toContain('"note"');
    const read = await server.gql(
      `{ flows(search: "Steps of a write key") { edges { node { steps { id key } edges { id source } } } } }`,
      {},
      admin,
    );
    const node = read.data.flows.edges[0].node;
    expect(node.steps.map((step: { key: string }) => step.key).sort()).toEqual(['note', 'start']);
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on FlowStep { key } ... on FlowEdge { source } } }`;
    const ids = [node.steps[0].id, node.edges[0].id];
    for (const token of [write, await keyWith('INGEST')]) {
      const denied = await server.gql(query, { ids }, token);
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(denied.data ?? {})).not.toContain('"start"');
    }
    const allowed = await server.gql(query, { ids }, admin);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.nodes).toHaveLength(2);
  });
});

describe('node(id:) applies each type’s own rules', () => {
  it('a tablet or an INGEST key cannot read people through node(id:)', async () => {
    const users = await server.gql(`{ users { id } }`, {}, admin);
    const userId = users.data.users[0].id;
    const query = `query($id: ID!) { node(id: $id) { ... on User { email role } } }`;
    for (const token of [server.credentials.deviceToken!, await keyWith('INGEST')]) {
      const result = await server.gql(query, { id: userId }, token);
      expect(JSON.stringify(result.data ?? {})).not.toContain('@');
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const own = await server.gql(query, { id: userId }, admin);
    expect(own.data.node.email).toBe(ADMIN.email);
  });
});

describe('outside development', () => {
  it('introspection is off for anonymous callers and on for signed-in ones', async () => {
    const query = `{ __schema { queryType { name } } }`;
    const anonymous = await production.gql(query, {}, null);
    expect(anonymous.data?.__schema).toBeUndefined();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const signedIn = await production.gql(query);
    expect(signedIn.data.__schema.queryType.name).toBe('Query');
    expect((await server.gql(query, {}, null)).data.__schema.queryType.name).toBe('Query');
  });

  it('data files are owner-only (0600)', () => {
    for (const file of ['kinflow.sqlite', 'kinflow.sqlite-wal', 'secret.key']) {
      const stat = fs.statSync(path.join(production.dataDir, file));
      expect((stat.mode & 0o777).toString(8)).toBe('600');
    }
    expect((fs.statSync(production.dataDir).mode & 0o777).toString(8)).toBe('700');
  });
});

describe('login throttling', () => {
  it('after repeated wrong passwords, sign-in is refused with a wait, even with the right one', async () => {
    const codes: string[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const result = await production.gql(LOGIN, { e: ADMIN.email, p: `wrong-${attempt}` }, null);
      codes.push(result.data.login.code);
    }
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('INVALID_CREDENTIALS'));
    expect(codes.slice(5)).toEqual(Array(3).fill('TOO_MANY_ATTEMPTS'));
    const right = await production.gql(LOGIN, { e: ADMIN.email, p: ADMIN.password }, null);
    expect(right.data.login.__typename).toBe('LoginThrottledError');
    expect(right.data.login.retryAfterSeconds).toBeGreaterThan(0);
    // Another account from the same address is not locked by these failures.
    const other = await production.gql(LOGIN, { e: 'someone@example.test', p: 'wrong' }, null);
    expect(other.data.login.code).toBe('INVALID_CREDENTIALS');
  });
});
