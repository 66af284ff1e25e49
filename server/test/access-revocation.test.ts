import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await server.stop();
});

async function createKey(scopes: string, admin: string): Promise<{ token: string; id: string }> {
  const created = await server.gql(
    `mutation { createApiKey(name: "stream", scopes: [${scopes}]) { ... on MutationCreateApiKeySuccess { data { token apiKey { id } } } } }`,
    {},
    admin,
  );
  const { token, apiKey } = created.data.createApiKey.data;
  return { token, id: apiKey.id };
}

/** Opens a subscription over WebSocket; resolves `ended` with what ended it. */
function subscribe(token: string, query: string) {
  let closeCode: number | undefined;
  const client = createClient({
    url: `ws://127.0.0.1:${server.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: { closed: (event) => (closeCode = (event as { code: number }).code) },
  });
  clients.push(client);
  const results: unknown[] = [];
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ended = new Promise<{ closeCode?: number; error?: unknown }>((resolve) => {
    client.on('connected', () => setTimeout(markStarted, 50));
    client.subscribe(
      { query },
      {
        next: (value) => results.push(value),
        error: (error) => resolve({ closeCode, error }),
        complete: () => resolve({ closeCode }),
      },
    );
  });
  return { started, ended, results, closeCode: () => closeCode };
}

describe('open streams end when access ends', () => {
  it('revoking an API key closes its WebSocket with 4403', async () => {
    const admin = await server.loginAs(ADMIN.email, ADMIN.password);
    const key = await createKey('READ', admin);
    const stream = subscribe(
      key.token,
      'subscription { pipelineExecutionEvents { ... on PipelineExecutionEvent { status } } }',
    );
    await stream.started;
    const revoked = await server.gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`,
      { id: key.id },
      admin,
    );
    expect(revoked.data.revokeApiKey.__typename).toBe('MutationRevokeApiKeySuccess');
    await stream.ended;
    expect(stream.closeCode()).toBe(4403);
  });

  it('logging out closes the session’s WebSocket with 4403', async () => {
    const session = await server.loginAs(ADMIN.email, ADMIN.password);
    const stream = subscribe(session, 'subscription { alertRaised { message } }');
    await stream.started;
    const out = await server.gql('mutation { logout }', {}, session);
    expect(out.data.logout).toBe(true);
    await stream.ended;
    expect(stream.closeCode()).toBe(4403);
  });

  it('a subscription over SSE ends with a FORBIDDEN error after logout', async () => {
    const session = await server.loginAs(ADMIN.email, ADMIN.password);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${session}`,
      },
      body: JSON.stringify({ query: 'subscription { alertRaised { message } }' }),
    });
    expect(response.status).toBe(200);
    // The stream is open once the first bytes (a keep-alive or the headers) arrive; then sign out.
    const reader = response.body!.getReader();
    const out = await server.gql('mutation { logout }', {}, session);
    expect(out.data.logout).toBe(true);
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    expect(text).toMatch(/FORBIDDEN/);
    expect(text).toMatch(/signed out/);
  });
});
