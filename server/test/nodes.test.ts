import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(() => server.stop());

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
      `{ gatewayNodes(kind: "gateway") { edges { node { id name ssh { host port user } } } } }`,
    );
    const gateway = result.data.gatewayNodes.edges[0].node;
    expect(gateway.ssh).toEqual({ host: '192.168.1.20', port: 22, user: 'kinflow' });
    const fields = await server.gql(`{ __type(name: "SshTarget") { fields { name } } }`);
    expect(JSON.stringify(fields.data)).not.toMatch(/secret|password|key"/i);
    const viaNode = await server.gql(`query($id: ID!) { node(id: $id) { ... on GatewayNode { name } } }`, {
      id: gateway.id,
    });
    expect(viaNode.data.node.name).toBe('living-room-gateway');
  });
});
