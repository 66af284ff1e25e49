import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOutboundAllowlist, safeFetch, type VettedTarget } from './index.js';
import { fakeResolver, startHttpServer, startHttpsServer, type TestServer } from './test-servers.js';

/** A resolver that answers `first` once and `later` afterwards: the DNS-rebinding attacker. */
function rebinding(first: string, later: string) {
  let answered = 0;
  return fakeResolver({ 'rebind.test': () => (answered++ === 0 ? [first] : [later]) });
}

describe('DNS rebinding', () => {
  let v4: TestServer;
  let v6: TestServer | undefined;

  beforeAll(async () => {
    v4 = await startHttpServer((_req, res) => res.end('reached 127.0.0.1'));
    // The same port on ::1, so the URL names one port and only the address decides which server answers.
    v6 = await startHttpServer((_req, res) => res.end('reached ::1'), '::1', v4.port).catch(() => undefined);
  });
  afterAll(async () => {
    await v4.close();
    await v6?.close();
  });

  it('connects to the address that was vetted, not to a later DNS answer', async (ctx) => {
    if (!v6) return ctx.skip('no IPv6 loopback or port taken');
    // Only ::1 is allow-listed; the name later "rebinds" to 127.0.0.1, which the policy would refuse.
    const resolve = rebinding('::1', '127.0.0.1');
    const response = await safeFetch(
      `http://rebind.test:${v4.port}/`,
      {},
      {
        policy: parseOutboundAllowlist('::1'),
        resolve,
      },
    );
    expect(response.body).toBe('reached ::1');
    expect(resolve.calls).toEqual(['rebind.test']);
    expect(v4.requests).toHaveLength(0);
    expect(v6.requests[0]?.headers.host).toBe(`rebind.test:${v4.port}`);
  });

  it('pins a public first answer even when the name then points at 127.0.0.1', async () => {
    // The connection is intercepted (this machine has no route out): we only observe where it would go.
    const mock = new MockAgent();
    mock.disableNetConnect();
    mock.get(`http://rebind.test:${v4.port}`).intercept({ path: '/' }).reply(200, 'from the vetted address');
    const targets: VettedTarget[] = [];
    const resolve = rebinding('93.184.216.34', '127.0.0.1');
    try {
      const response = await safeFetch(
        `http://rebind.test:${v4.port}/`,
        {},
        {
          resolve,
          createDispatcher: (target) => {
            targets.push(target);
            return mock;
          },
        },
      );
      expect(response.body).toBe('from the vetted address');
    } finally {
      await mock.close();
    }
    expect(targets.map((t) => t.addresses)).toEqual([[{ address: '93.184.216.34', family: 4 }]]);
    expect(resolve.calls).toEqual(['rebind.test']);
    expect(v4.requests).toHaveLength(0);
  });

  it('re-resolves on every redirect hop and judges the new answer', async () => {
    const hopper = await startHttpServer((req, res) => {
      if (req.url === '/first') {
        res.writeHead(302, { location: '/second' });
        res.end();
      } else res.end('second');
    });
    try {
      // First answer is allow-listed, second (same name, next hop) is not: the redirect must be refused.
      const resolve = rebinding('127.0.0.1', '10.9.9.9');
      await expect(
        safeFetch(
          `http://rebind.test:${hopper.port}/first`,
          {},
          { policy: parseOutboundAllowlist('127.0.0.1'), resolve },
        ),
      ).rejects.toMatchObject({ reason: 'blocked_address', address: '10.9.9.9', hop: 1 });
      expect(hopper.requests.map((r) => r.url)).toEqual(['/first']);
    } finally {
      await hopper.close();
    }
  });
});

describe('https to a pinned address', () => {
  let dir: string;
  let cert: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kinflow-tls-'));
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=allowed.test',
      '-addext', 'subjectAltName=DNS:allowed.test',
    ], { stdio: 'ignore' }); // prettier-ignore
    cert = readFileSync(certFile, 'utf8');
    server = await startHttpsServer((_req, res) => res.end('secure'), cert, readFileSync(keyFile, 'utf8'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends SNI and Host for the name and checks the certificate against it', async () => {
    const response = await safeFetch(
      `https://allowed.test:${server.port}/`,
      {},
      {
        policy: parseOutboundAllowlist('allowed.test'),
        resolve: fakeResolver({ 'allowed.test': ['127.0.0.1'] }),
        tls: { ca: cert },
      },
    );
    expect(response.body).toBe('secure');
    expect(server.requests[0]).toMatchObject({ servername: 'allowed.test' });
    expect(server.requests[0]?.headers.host).toBe(`allowed.test:${server.port}`);
  });

  it('fails the certificate check when the address is used without the name', async () => {
    await expect(
      safeFetch(
        `https://127.0.0.1:${server.port}/`,
        {},
        { policy: parseOutboundAllowlist('127.0.0.1'), tls: { ca: cert } },
      ),
    ).rejects.toMatchObject({
      code: 'network',
      message: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID'),
    });
  });
});
