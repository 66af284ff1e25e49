import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(() => server.stop());

const NODE_FIELDS = `id name kind tags metadata status ssh { host port user hostKeyFingerprint trustOnFirstUse hasSecret }`;
const CREATE = `mutation($input: CreateNodeInput!) { createNode(input: $input) {
  __typename ... on Error { code message } ... on InvalidInputError { issues { field message } }
  ... on MutationCreateNodeSuccess { data { ${NODE_FIELDS} } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateNodeInput!) { updateNode(id: $id, input: $input) {
  __typename ... on Error { code message } ... on InvalidInputError { issues { field message } }
  ... on MutationUpdateNodeSuccess { data { ${NODE_FIELDS} } } } }`;
const DELETE = `mutation($id: ID!) { deleteNode(id: $id) {
  __typename ... on Error { code message } ... on MutationDeleteNodeSuccess { data } } }`;

const PASSWORD = 'pw-never-leaves-the-server-7f3a9c';
const PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-marker-51c0ffee\n-----END OPENSSH PRIVATE KEY-----`;
const FINGERPRINT = 'SHA256:' + 'A'.repeat(43);

/** Every byte of the SQLite file and its WAL, so a plain-text secret anywhere in the database is found. */
function databaseBytes(): string {
  return fs
    .readdirSync(server.dataDir)
    .filter((file) => file.startsWith('kinflow.sqlite'))
    .map((file) => fs.readFileSync(path.join(server.dataDir, file)).toString('latin1'))
    .join('\n');
}

describe('gateway nodes', () => {
  it('lists the demo household as a connection, filtered by tag', async () => {
    const all = await server.gql(
      `{ gatewayNodes(first: 10) { totalCount edges { node { name kind tags status } } } }`,
    );
    expect(all.data.gatewayNodes.totalCount).toBe(4);
    const kitchen = await server.gql(
      `{ gatewayNodes(tag: "kitchen") { totalCount edges { node { name } } } }`,
    );
    expect(kitchen.data.gatewayNodes.edges.map((edge: { node: { name: string } }) => edge.node.name)).toEqual(
      ['kitchen-climate'],
    );
  });

  it('shows where SSH connects but never a secret', async () => {
    const result = await server.gql(
      `{ gatewayNodes(kind: "gateway") { edges { node { id name ssh { host port user hasSecret } } } } }`,
    );
    const gateway = result.data.gatewayNodes.edges[0].node;
    expect(gateway.ssh).toEqual({ host: '192.168.1.20', port: 22, user: 'kinflow', hasSecret: false });
    // The SSH type has exactly these fields: nothing that could carry a password or key.
    const fields = await server.gql(`{ __type(name: "SshTarget") { fields { name } } }`);
    expect(fields.data.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual([
      'hasSecret',
      'host',
      'hostKeyFingerprint',
      'port',
      'trustOnFirstUse',
      'user',
    ]);
    const viaNode = await server.gql(`query($id: ID!) { node(id: $id) { ... on GatewayNode { name } } }`, {
      id: gateway.id,
    });
    expect(viaNode.data.node.name).toBe('living-room-gateway');
  });

  it('creates, updates and deletes a node; the SSH secret is sealed and never returned', async () => {
    const created = await server.gql(CREATE, {
      input: {
        name: 'garage-pi',
        kind: 'gateway',
        tags: ['garage', 'outside', 'garage'],
        metadata: { model: 'pi4' },
        ssh: { host: '10.0.0.5', user: 'pi', password: PASSWORD, hostKeyFingerprint: FINGERPRINT },
      },
    });
    expect(created.data.createNode.__typename).toBe('MutationCreateNodeSuccess');
    const node = created.data.createNode.data;
    expect(node).toMatchObject({
      name: 'garage-pi',
      kind: 'gateway',
      tags: ['garage', 'outside'],
      metadata: { model: 'pi4' },
      status: 'UNKNOWN',
      ssh: { host: '10.0.0.5', port: 22, user: 'pi', hostKeyFingerprint: FINGERPRINT, hasSecret: true },
    });
    expect(JSON.stringify(created)).not.toContain(PASSWORD);

    // Filters: by global IDs, by several tags, by name.
    const filtered = await server.gql(
      `query($ids: [ID!]) { byIds: gatewayNodes(ids: $ids) { totalCount }
        byTags: gatewayNodes(tags: ["garage", "outside"]) { edges { node { name } } }
        bySearch: gatewayNodes(search: "GARAGE") { totalCount } }`,
      { ids: [node.id] },
    );
    expect(filtered.data).toEqual({
      byIds: { totalCount: 1 },
      byTags: { edges: [{ node: { name: 'garage-pi' } }] },
      bySearch: { totalCount: 1 },
    });

    // A new address keeps the stored secret; a private key replaces it.
    const moved = await server.gql(UPDATE, {
      id: node.id,
      input: { name: 'garage-gateway', ssh: { host: '10.0.0.6', port: 2222, user: 'pi' } },
    });
    expect(moved.data.updateNode.data).toMatchObject({
      name: 'garage-gateway',
      ssh: { host: '10.0.0.6', port: 2222, hasSecret: true, hostKeyFingerprint: null },
    });
    const rekeyed = await server.gql(UPDATE, {
      id: node.id,
      input: { ssh: { host: '10.0.0.6', user: 'pi', privateKey: PRIVATE_KEY, trustOnFirstUse: true } },
    });
    expect(rekeyed.data.updateNode.data.ssh).toMatchObject({ hasSecret: true, trustOnFirstUse: true });

    // Neither secret is readable anywhere: not through the API, not in the database file.
    const everything = await server.gql(`{ gatewayNodes { edges { node { ${NODE_FIELDS} } } } }`);
    const rest = await server.rest('GET', '/v1/nodes');
    for (const text of [JSON.stringify(everything), JSON.stringify(rest.body)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('marker-51c0ffee');
    }
    await server.rest('GET', '/healthz');
    const bytes = databaseBytes();
    expect(bytes).toContain('garage-gateway'); // the check can see what is there
    expect(bytes).not.toContain(PASSWORD);
    expect(bytes).not.toContain('marker-51c0ffee');

    const cleared = await server.gql(UPDATE, { id: node.id, input: { ssh: null } });
    expect(cleared.data.updateNode.data.ssh).toBeNull();

    const deleted = await server.gql(DELETE, { id: node.id });
    expect(deleted.data.deleteNode).toEqual({ __typename: 'MutationDeleteNodeSuccess', data: node.id });
    const again = await server.gql(DELETE, { id: node.id });
    expect(again.data.deleteNode).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const gone = await server.gql(`query($id: ID!) { gatewayNode(id: $id) { name } }`, { id: node.id });
    expect(gone.data.gatewayNode).toBeNull();
  });

  it('refuses bad input with typed errors and writes nothing', async () => {
    const count = async () =>
      (await server.gql(`{ gatewayNodes { totalCount } }`)).data.gatewayNodes.totalCount;
    const before = await count();
    const taken = await server.gql(CREATE, { input: { name: 'kitchen-climate' } });
    expect(taken.data.createNode).toMatchObject({ __typename: 'NameTakenError', code: 'NAME_TAKEN' });
    const badName = await server.gql(CREATE, { input: { name: 'kitchen/oven' } });
    expect(badName.data.createNode).toMatchObject({
      __typename: 'InvalidInputError',
      code: 'INVALID_INPUT',
      issues: [{ field: 'input.name' }],
    });
    const both = await server.gql(CREATE, {
      input: { name: 'both-secrets', ssh: { host: 'h', user: 'u', password: 'x', privateKey: PRIVATE_KEY } },
    });
    expect(both.data.createNode).toMatchObject({
      __typename: 'InvalidInputError',
      issues: [{ field: 'input.ssh.password' }],
    });
    const badPort = await server.gql(CREATE, {
      input: { name: 'bad-port', ssh: { host: 'h', user: 'u', port: 70000 } },
    });
    expect(badPort.data.createNode.issues[0].field).toBe('input.ssh.port');
    const badFingerprint = await server.gql(CREATE, {
      input: { name: 'bad-fp', ssh: { host: 'h', user: 'u', hostKeyFingerprint: 'nope' } },
    });
    expect(badFingerprint.data.createNode.issues[0].field).toBe('input.ssh.hostKeyFingerprint');
    expect(await count()).toBe(before);

    const rest = await server.rest('POST', '/v1/nodes', { input: { name: 'front-door' } });
    expect(rest.status).toBe(409);
    expect(rest.body.error.code).toBe('NAME_TAKEN');
  });

  it('a viewer can read nodes but not create, change or delete them', async () => {
    const adminToken = await server.loginAs(ADMIN.email, ADMIN.password);
    const user = await server.gql(
      `mutation { createUser(email: "node-viewer@example.test", name: "V", role: VIEWER, password: "long enough pw") { __typename } }`,
      {},
      adminToken,
    );
    expect(user.data.createUser.__typename).toBe('MutationCreateUserSuccess');
    const viewer = await server.loginAs('node-viewer@example.test', 'long enough pw');
    const list = await server.gql(`{ gatewayNodes { totalCount edges { node { id } } } }`, {}, viewer);
    expect(list.data.gatewayNodes.totalCount).toBe(4);
    const id = list.data.gatewayNodes.edges[0].node.id;
    const attempts = await Promise.all([
      server.gql(CREATE, { input: { name: 'by-viewer' } }, viewer),
      server.gql(UPDATE, { id, input: { name: 'renamed-by-viewer' } }, viewer),
      server.gql(DELETE, { id }, viewer),
    ]);
    for (const attempt of attempts) expect(attempt.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(
      (await server.rest('DELETE', `/v1/nodes/${encodeURIComponent(id)}`, undefined, viewer)).status,
    ).toBe(403);
    expect((await server.gql(`{ gatewayNodes { totalCount } }`)).data.gatewayNodes.totalCount).toBe(4);
  });
});
