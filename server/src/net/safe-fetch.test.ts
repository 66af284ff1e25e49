import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  OutboundBlockedError,
  OutboundRequestError,
  parseOutboundAllowlist,
  safeFetch,
  type SafeFetchOptions,
} from './index.js';
import { fakeResolver, startHttpServer, type TestServer } from './test-servers.js';

let local: TestServer;
let base: string;
let named: string;

function redirect(res: ServerResponse, location: string, status = 302): void {
  res.writeHead(status, { location });
  res.end('moved');
}

beforeAll(async () => {
  local = await startHttpServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hop = /^\/chain\/(\d+)$/.exec(url.pathname);
    if (url.pathname === '/echo') {
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'x-reply': 'yes' });
      res.end(
        JSON.stringify({ method: req.method, headers: req.headers, body: body ? JSON.parse(body) : null }),
      );
    } else if (hop) {
      const left = Number(hop[1]);
      if (left === 0) res.end('end of chain');
      else redirect(res, `/chain/${left - 1}`);
    } else if (url.pathname === '/to-ip') {
      redirect(res, `http://127.0.0.1:${local.port}/echo`, 307);
    } else if (url.pathname === '/to-file') {
      redirect(res, 'file:///etc/passwd');
    } else if (url.pathname === '/see-other') {
      redirect(res, '/echo', 303);
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.end('late'), 5_000).unref();
    } else if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = (): void => {
        while (sent < 6 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else if (url.pathname === '/big-declared') {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write('x');
    } else if (url.pathname === '/bad-json') {
      res.writeHead(200, { 'content-type': 'application/problem+json' });
      res.end('{nope');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  base = `http://127.0.0.1:${local.port}`;
  named = `http://allowed.test:${local.port}`;
});

afterAll(() => local.close());
beforeEach(() => {
  local.requests.length = 0;
});

const resolve = fakeResolver({ 'allowed.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
const byIp: SafeFetchOptions = { policy: parseOutboundAllowlist('127.0.0.1'), resolve };
const byName: SafeFetchOptions = { policy: parseOutboundAllowlist('allowed.test'), resolve };

describe('safeFetch against a local server', () => {
  it('round-trips a JSON POST with headers', async () => {
    const response = await safeFetch(
      `${base}/echo`,
      { json: { hello: 'world', n: 1 }, headers: { 'X-Kinflow': 'flow-7', Host: 'evil.example' } },
      byIp,
    );
    expect(response.status).toBe(201);
    expect(response.headers['x-reply']).toBe('yes');
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.json).toMatchObject({
      method: 'POST',
      body: { hello: 'world', n: 1 },
      headers: { 'content-type': 'application/json', 'x-kinflow': 'flow-7', host: `127.0.0.1:${local.port}` },
    });
    expect(JSON.parse(response.body)).toEqual(response.json);
    expect(response.url).toBe(`${base}/echo`);
  });

  it('sends URL credentials as Basic auth and never echoes the password', async () => {
    const response = await safeFetch(`http://kin:s3cret@127.0.0.1:${local.port}/echo`, {}, byIp);
    const basic = `Basic ${Buffer.from('kin:s3cret').toString('base64')}`;
    expect(response.json).toMatchObject({ headers: { authorization: basic } });
    expect(response.url).toBe(`http://kin:***@127.0.0.1:${local.port}/echo`);
    const error = (await safeFetch('http://kin:s3cret@10.0.0.1/', {}, byIp).catch(
      (e: unknown) => e,
    )) as Error & {
      url: string;
    };
    expect(error).toBeInstanceOf(OutboundBlockedError);
    expect(`${error.url} ${error.message}`).not.toContain('s3cret');
  });

  it('is refused without an allowlist entry and sends nothing', async () => {
    await expect(safeFetch(`${base}/echo`, {}, { resolve })).rejects.toBeInstanceOf(OutboundBlockedError);
    expect(local.requests).toHaveLength(0);
  });

  it('connects an allow-listed name to its vetted address, keeping the name as Host', async () => {
    const response = await safeFetch(`${named}/echo`, { method: 'PUT', body: '{"a":1}' }, byName);
    expect(response.json).toMatchObject({ method: 'PUT', headers: { host: `allowed.test:${local.port}` } });
  });

  it('refuses a redirect from an allow-listed name to an internal IP', async () => {
    const error = (await safeFetch(`${named}/to-ip`, { json: { x: 1 } }, byName).catch(
      (e: unknown) => e,
    )) as OutboundBlockedError;
    expect(error).toBeInstanceOf(OutboundBlockedError);
    expect(error).toMatchObject({ reason: 'blocked_address', address: '127.0.0.1', hop: 1 });
    expect(error.url).toBe(`${base}/echo`);
    expect(local.requests.map((r) => r.url)).toEqual(['/to-ip']);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    await expect(safeFetch(`${base}/to-file`, {}, byIp)).rejects.toMatchObject({ reason: 'scheme', hop: 1 });
  });

  it('follows 5 redirects and refuses the sixth', async () => {
    const ok = await safeFetch(`${base}/chain/5`, {}, byIp);
    expect(ok.body).toBe('end of chain');
    expect(ok.redirects).toHaveLength(5);
    local.requests.length = 0;
    const error = await safeFetch(`${base}/chain/6`, {}, byIp).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundRequestError);
    expect(error).toMatchObject({ code: 'too_many_redirects' });
    expect(local.requests).toHaveLength(6);
    await expect(safeFetch(`${base}/chain/2`, {}, { ...byIp, maxRedirects: 1 })).rejects.toMatchObject({
      code: 'too_many_redirects',
    });
  });

  it('turns a POST into a GET on 303 and drops credentials across origins', async () => {
    const seeOther = await safeFetch(`${base}/see-other`, { json: { a: 1 } }, byIp);
    expect(seeOther.json).toMatchObject({ method: 'GET', body: null });
    const policy = parseOutboundAllowlist('allowed.test,127.0.0.1');
    const crossed = await safeFetch(
      `${named}/to-ip`,
      { json: { a: 2 }, headers: { authorization: 'Bearer secret', 'x-keep': '1' } },
      { policy, resolve },
    );
    expect(crossed.redirects).toEqual([`${named}/to-ip`]);
    expect(crossed.json).toMatchObject({ method: 'POST', body: { a: 2 }, headers: { 'x-keep': '1' } });
    expect((crossed.json as { headers: Record<string, string> }).headers.authorization).toBeUndefined();
  });

  it('times out', async () => {
    const started = Date.now();
    const error = await safeFetch(`${base}/slow`, {}, { ...byIp, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundRequestError);
    expect(error).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a caller abort as aborted, not as a timeout', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(safeFetch(`${base}/slow`, { signal: controller.signal }, byIp)).rejects.toMatchObject({
      code: 'aborted',
    });
  });

  it('caps the response size, streamed or declared', async () => {
    const cap = { ...byIp, maxResponseBytes: 1024 * 1024 };
    await expect(safeFetch(`${base}/big`, {}, cap)).rejects.toMatchObject({ code: 'too_large' });
    await expect(safeFetch(`${base}/big-declared`, {}, cap)).rejects.toMatchObject({ code: 'too_large' });
    const whole = await safeFetch(`${base}/big`, {}, { ...byIp, maxResponseBytes: 7 * 1024 * 1024 });
    expect(whole.body).toHaveLength(6 * 1024 * 1024);
  });

  it('keeps the text when a JSON body does not parse', async () => {
    const response = await safeFetch(`${base}/bad-json`, {}, byIp);
    expect(response.body).toBe('{nope');
    expect(response.json).toBeUndefined();
  });

  it('reports connection failures as network errors', async () => {
    const closed = await startHttpServer(() => undefined);
    await closed.close();
    await expect(safeFetch(`http://127.0.0.1:${closed.port}/`, {}, byIp)).rejects.toMatchObject({
      code: 'network',
    });
    await expect(safeFetch('http://nowhere.test/', {}, byIp)).rejects.toMatchObject({ code: 'dns' });
  });
});
