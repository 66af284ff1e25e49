import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionHarness, runChain, type ActionHarness } from '../actions/test-support.js';
import { startHttpServer, type Handler, type TestServer } from '../net/test-servers.js';

let h: ActionHarness;
let server: TestServer;
let handler: Handler;
beforeEach(async () => {
  h = await actionHarness();
  handler = (_req, res) => res.writeHead(200).end();
  server = await startHttpServer((req, res, body) => handler(req, res, body));
});
afterEach(async () => {
  await server.close();
  await h.close();
});

const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
const keys = () => server.requests.map((request) => request.headers['idempotency-key']);

describe('Idempotency-Key on outbound side effects', () => {
  it('webhook_out sends the same key on every attempt of a step, and another key in another run', async () => {
    let calls = 0;
    handler = (_req, res) => (++calls <= 2 ? res.writeHead(503).end('busy') : res.writeHead(200).end());
    const step = {
      key: 'post',
      type: 'webhook_out',
      onError: 'retry' as const,
      retryAttempts: 3,
      config: { format: 'slack', url: url('/hook'), message: 'hello' },
    };
    const first = await runChain(h, 'retrying', [step], {});
    expect(first.run.status).toBe('completed');
    const attempts = keys();
    expect(attempts).toHaveLength(3);
    expect(attempts[0]).toMatch(/^kf_[A-Za-z0-9_-]{32}$/);
    expect(new Set(attempts).size).toBe(1);
    calls = 10;
    await runChain(h, 'again', [step], {});
    expect(keys()[3]).toBeTruthy();
    expect(keys()[3]).not.toBe(attempts[0]);
  });

  it('http sends one too, and a key the step sets itself wins', async () => {
    await runChain(h, 'http', [
      { key: 'a', type: 'http', config: { method: 'POST', url: url('/a'), body: {} } },
      {
        key: 'b',
        type: 'http',
        config: { method: 'POST', url: url('/b'), headers: { 'idempotency-key': 'mine' }, body: {} },
      },
    ]);
    const [a, b] = keys();
    expect(a).toMatch(/^kf_/);
    expect(b).toBe('mine');
  });
});
