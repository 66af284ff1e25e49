import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_KEY, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await server.stop();
});

function connect(connectionParams: Record<string, unknown>) {
  const closed: { code?: number } = {};
  const client = createClient({
    url: `ws://127.0.0.1:${server.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => (closed.code = (event as { code: number }).code) },
  });
  clients.push(client);
  return { client, closed };
}

function once(client: Client, query: string): Promise<{ data?: any; errors?: any[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: any; errors?: any[] } = {};
    client.subscribe(
      { query },
      { next: (value) => (result = value as typeof result), error: reject, complete: () => resolve(result) },
    );
  });
}

describe('GraphQL over WebSocket (graphql-ws on the same port and path)', () => {
  it('authenticates in connection_init and runs operations', async () => {
    const { client } = connect({ authorization: `Bearer ${API_KEY}` });
    const result = await once(client, '{ flows { totalCount } }');
    expect(result.data.flows.totalCount).toBe(3);
  });

  it('closes with 4403 when connection_init carries no valid token', async () => {
    const { client, closed } = connect({ authorization: 'Bearer kfk_not_a_real_key_not_a_real_key' });
    await expect(once(client, '{ flows { totalCount } }')).rejects.toBeTruthy();
    expect(closed.code).toBe(4403);
  });

  it('re-checks scopes per operation: a tablet connection cannot read flows', async () => {
    const { client } = connect({ authorization: `Bearer ${server.credentials.deviceToken}` });
    const result = await once(client, '{ flows { totalCount } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('applies graphql-armor on WebSocket operations too', async () => {
    const { client } = connect({ authorization: `Bearer ${API_KEY}` });
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: flows { totalCount }`).join(' ');
    const result = await once(client, `{ ${aliases} }`).catch((errors: unknown) => ({
      errors: errors as any[],
    }));
    expect(JSON.stringify(result.errors)).toMatch(/alias/i);
  });
});

describe('graphql-armor over HTTP', () => {
  it('rejects queries with too many aliases or tokens, and lets normal ones through', async () => {
    expect(
      (await server.gql(`{ flows { edges { node { steps { stepType { ports { name } } } } } } }`)).errors,
    ).toBeUndefined();
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: stepTypes { type }`).join(' ');
    expect((await server.gql(`{ ${aliases} }`)).errors?.[0]?.message).toMatch(/aliases limit/i);
    const tokens = `{ stepTypes { ${'type '.repeat(6000)} } }`;
    expect((await server.gql(tokens)).errors?.[0]?.message).toMatch(/token limit/i);
  });
});
