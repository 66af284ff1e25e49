import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_KEY, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { KINFLOW_CORS_ORIGINS: 'https://dashboard.example.org' } });
});
afterAll(() => server.stop());

/**
 * Sends up to `totalBytes` in 1 MiB chunks while waiting for the answer; stops writing as soon as the
 * server answers. Returns the status, the body and how much was written.
 */
function post(
  path: string,
  totalBytes: number,
  headers: Record<string, string>,
  chunked = false,
): Promise<{ status: number; body: string; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(!chunked && { 'content-length': String(totalBytes) }),
          ...headers,
        },
      },
      (res) => {
        answered = true;
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, written }));
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const pump = () => {
      while (!answered && written < totalBytes) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('bounded bodies, credentials first', () => {
  it('refuses an anonymous 50 MB POST to /v1/telemetry without reading it', async () => {
    const before = process.memoryUsage().rss;
    const result = await post('/v1/telemetry', 50 * 1024 * 1024, {});
    expect(result.status).toBe(401);
    expect(JSON.parse(result.body).error.code).toBe('UNAUTHENTICATED');
    // Memory stays flat: far less than the body's size was buffered anywhere.
    expect(process.memoryUsage().rss - before).toBeLessThan(25 * 1024 * 1024);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('refuses a wrong token before the body with 401', async () => {
    const result = await post('/v1/telemetry', 10 * 1024 * 1024, {
      authorization: 'Bearer kfk_wrong_wrong_wrong_wrong_wrong_wrong',
    });
    expect(result.status).toBe(401);
  });

  it('answers 413 with a clear message to an over-long body, declared or chunked', async () => {
    const auth = { authorization: `Bearer ${API_KEY}` };
    const declared = await post('/v1/telemetry', 3 * 1024 * 1024, auth);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.message).toMatch(/larger than 2097152 bytes/);
    const chunked = await post('/v1/telemetry', 3 * 1024 * 1024, auth, true);
    expect(chunked.status).toBe(413);
    const graphql = await post('/graphql', 3 * 1024 * 1024, auth);
    expect(graphql.status).toBe(413);
    const hook = await post('/v1/hooks/some-token', 1024 * 1024, {});
    expect(hook.status).toBe(413);
    expect(JSON.parse(hook.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('still takes ordinary REST calls', async () => {
    const flows = await server.rest('GET', '/v1/flows');
    expect(flows.status).toBe(200);
  });
});

describe('browser hygiene', () => {
  it('sends nosniff, frame-ancestors and a CSP', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('gives foreign origins no CORS headers, and configured ones their own', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const foreign = await preflight('https://evil.example.com');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await preflight('https://dashboard.example.org');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.org');
    const query = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(query.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('checks the WebSocket Origin the same way', async () => {
    const open = (origin?: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${server.port}/graphql`, 'graphql-transport-ws', {
          ...(origin && { origin }),
        });
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
        socket.on('error', () => resolve('error'));
      });
    expect(await open('https://evil.example.com')).toMatch(/^refused/);
    expect(await open('https://dashboard.example.org')).toBe('open');
    expect(await open(`http://127.0.0.1:${server.port}`)).toBe('open');
    expect(await open()).toBe('open');
  });
});
