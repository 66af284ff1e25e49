import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifyAddress,
  OutboundBlockedError,
  parseOutboundAllowlist,
  safeFetch,
  vetOutboundUrl,
  type VettedTarget,
} from './index.js';
import { fakeResolver } from './test-servers.js';

const resolve = fakeResolver({
  'loopback.test': ['127.0.0.1'],
  'loopback6.test': ['::1'],
  'metadata.test': ['169.254.169.254'],
  'mixed.test': ['93.184.216.34', '10.0.0.5'],
  'public.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
});

const blocked: Array<[string, string]> = [
  ['http://2130706433/', 'decimal 127.0.0.1'],
  ['http://0177.0.0.1/', 'octal 127.0.0.1'],
  ['http://0x7f.0.0.1/', 'hex 127.0.0.1'],
  ['http://0x7f000001/', 'single hex 127.0.0.1'],
  ['http://127.1/', 'short 127.0.0.1'],
  ['http://127.0.0.1:8080/', 'loopback with port'],
  ['http://127.255.255.254/', 'end of 127/8'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://0/', 'unspecified, short'],
  ['http://[::]/', 'IPv6 unspecified'],
  ['http://[::1]/', 'IPv6 loopback'],
  ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback'],
  ['http://[::ffff:7f00:1]/', 'IPv4-mapped loopback, hex'],
  ['http://[::ffff:a9fe:a9fe]/', 'IPv4-mapped metadata'],
  ['http://[::127.0.0.1]/', 'IPv4-compatible loopback'],
  ['http://[64:ff9b::7f00:1]/', 'NAT64 of loopback'],
  ['http://[64:ff9b::a00:1]/', 'NAT64 of 10.0.0.1'],
  ['http://[2002:7f00:1::]/', '6to4 of loopback'],
  ['http://[fe80::1]/', 'IPv6 link-local'],
  ['http://[fd00::1]/', 'unique local'],
  ['http://[fc00::1]/', 'unique local fc'],
  ['http://[ff02::1]/', 'IPv6 multicast'],
  ['http://[2001:db8::1]/', 'IPv6 documentation'],
  ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
  ['http://169.254.0.1/', 'link-local'],
  ['http://10.0.0.1/', '10/8'],
  ['http://10.255.255.255/', 'end of 10/8'],
  ['http://172.16.0.1/', '172.16/12'],
  ['http://172.31.255.254/', 'end of 172.16/12'],
  ['http://192.168.1.1/', '192.168/16'],
  ['http://100.64.0.1/', 'carrier-grade NAT'],
  ['http://100.127.255.254/', 'end of carrier-grade NAT'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://239.255.255.250/', 'SSDP multicast'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://240.0.0.1/', 'reserved 240/4'],
  ['http://192.0.0.170/', 'IETF protocol assignments'],
  ['http://192.0.2.1/', 'TEST-NET-1'],
  ['http://198.18.0.1/', 'benchmarking'],
  ['http://localhost/', 'localhost'],
  ['http://LOCALHOST./', 'localhost, upper case with root dot'],
  ['http://api.localhost/', 'sub-domain of localhost'],
  ['http://loopback.test/', 'name resolving to 127.0.0.1'],
  ['http://loopback6.test/', 'name resolving to ::1'],
  ['http://metadata.test/', 'name resolving to 169.254.169.254'],
  ['http://mixed.test/', 'name resolving to public and private'],
  ['file:///etc/passwd', 'file scheme'],
  ['ftp://example.com/', 'ftp scheme'],
  ['gopher://127.0.0.1:6379/_INFO', 'gopher scheme'],
  ['data:text/plain,hello', 'data scheme'],
  ['javascript:alert(1)', 'javascript scheme'],
  ['ws://example.com/', 'websocket scheme'],
  ['not a url', 'not a URL'],
];

describe('outbound block list', () => {
  it.each(blocked)('refuses %s (%s)', async (url) => {
    const error = await vetOutboundUrl(url, { resolve }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundBlockedError);
  });

  it('refuses the same targets through safeFetch without creating a connection', async () => {
    let dispatchers = 0;
    for (const [url] of blocked) {
      const error = await safeFetch(
        url,
        {},
        {
          resolve,
          createDispatcher: () => {
            dispatchers += 1;
            throw new Error('must not connect');
          },
        },
      ).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(OutboundBlockedError);
    }
    expect(dispatchers).toBe(0);
  });

  it('reports reason, url and the offending address', async () => {
    const error = (await vetOutboundUrl('http://0x7f.1:81/x', { resolve }).catch(
      (e: unknown) => e,
    )) as OutboundBlockedError;
    expect(error.reason).toBe('blocked_address');
    expect(error.address).toBe('127.0.0.1');
    expect(error.url).toBe('http://127.0.0.1:81/x');
    expect(error.message).toContain('loopback');
    const scheme = (await vetOutboundUrl('file:///etc/passwd').catch(
      (e: unknown) => e,
    )) as OutboundBlockedError;
    expect(scheme.reason).toBe('scheme');
    const name = (await vetOutboundUrl('http://loopback.test/', { resolve }).catch(
      (e: unknown) => e,
    )) as OutboundBlockedError;
    expect(name.message).toContain('loopback.test resolves to 127.0.0.1');
  });

  it('classifies embedded IPv4 by the inner address', () => {
    expect(classifyAddress('::ffff:8.8.8.8')).toMatchObject({ allowed: true, range: 'ipv4Mapped:unicast' });
    expect(classifyAddress('::ffff:10.0.0.1')).toMatchObject({ allowed: false, range: 'ipv4Mapped:private' });
    expect(classifyAddress('64:ff9b::808:808')).toMatchObject({ allowed: true, range: 'nat64:unicast' });
    expect(classifyAddress('0x7f.1')).toMatchObject({ allowed: false, range: 'invalid' });
  });
});

describe('allowed public targets', () => {
  let agent: MockAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  it('accepts public literals and names without resolving them twice', async () => {
    await expect(vetOutboundUrl('https://93.184.216.34/hook')).resolves.toMatchObject({
      hostname: '93.184.216.34',
      port: 443,
      addresses: [{ address: '93.184.216.34', family: 4 }],
      allowlisted: false,
    });
    await expect(vetOutboundUrl('http://[2606:4700:4700::1111]:8080/')).resolves.toMatchObject({
      hostname: '2606:4700:4700::1111',
      port: 8080,
    });
    const target = await vetOutboundUrl('https://public.test/', { resolve });
    expect(target.addresses.map((a) => a.address)).toEqual([
      '93.184.216.34',
      '2606:2800:220:1:248:1893:25c8:1946',
    ]);
  });

  it('fetches a public literal through the injected dispatcher (no real traffic)', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('http://93.184.216.34')
      .intercept({ path: '/status', method: 'GET' })
      .reply(200, { ok: true }, { headers: { 'content-type': 'application/json' } });
    const targets: VettedTarget[] = [];
    const response = await safeFetch(
      'http://93.184.216.34/status',
      {},
      {
        createDispatcher: (target) => {
          targets.push(target);
          return agent!;
        },
      },
    );
    expect(response).toMatchObject({ status: 200, json: { ok: true }, redirects: [] });
    expect(targets.map((t) => t.addresses)).toEqual([[{ address: '93.184.216.34', family: 4 }]]);
  });
});

describe('allowlist', () => {
  it('parses hosts, wildcards, addresses and CIDRs', () => {
    const policy = parseOutboundAllowlist(
      ' 192.168.1.0/24, printer.local ,127.0.0.1,*.Home.Lan,[fd00::]/8,,',
    );
    expect([...policy.hosts]).toEqual(['printer.local']);
    expect(policy.domainSuffixes).toEqual(['.home.lan']);
    expect(policy.cidrs.map((c) => `${c.network.toString()}/${c.prefix}`)).toEqual([
      '192.168.1.0/24',
      '127.0.0.1/32',
      'fd00::/8',
    ]);
  });

  it.each(['printer.local:8080', 'http://printer.local', '10.0.0.0/33', '10.0.0.0/x', '0x7f.1', 'a..b'])(
    'rejects the bad entry %s',
    (entry) => {
      expect(() => parseOutboundAllowlist(entry)).toThrow(entry);
    },
  );

  it('lets allow-listed private targets through and nothing else', async () => {
    const policy = parseOutboundAllowlist('192.168.1.0/24,printer.local,*.home.lan,::1');
    const lan = fakeResolver({
      'printer.local': ['192.168.7.9'],
      'cam.home.lan': ['10.1.1.1'],
      'nas.lan': ['192.168.1.5'],
    });
    await expect(vetOutboundUrl('http://192.168.1.20/', { policy })).resolves.toMatchObject({
      allowlisted: true,
    });
    await expect(vetOutboundUrl('http://[::ffff:192.168.1.20]/', { policy })).resolves.toBeTruthy();
    await expect(vetOutboundUrl('http://[::1]:9/', { policy })).resolves.toBeTruthy();
    await expect(vetOutboundUrl('http://printer.local/', { policy, resolve: lan })).resolves.toBeTruthy();
    await expect(vetOutboundUrl('http://cam.home.lan/', { policy, resolve: lan })).resolves.toBeTruthy();
    await expect(vetOutboundUrl('http://nas.lan/', { policy, resolve: lan })).resolves.toBeTruthy();
    await expect(vetOutboundUrl('http://192.168.2.1/', { policy })).rejects.toBeInstanceOf(
      OutboundBlockedError,
    );
    await expect(vetOutboundUrl('http://home.lan/', { policy, resolve })).rejects.toThrow();
    await expect(vetOutboundUrl('http://127.0.0.1/', { policy })).rejects.toBeInstanceOf(
      OutboundBlockedError,
    );
  });

  it('never lifts the block on unspecified, broadcast or multicast addresses', async () => {
    const policy = parseOutboundAllowlist('0.0.0.0/0,::/0,wild.test');
    const wild = fakeResolver({ 'wild.test': ['0.0.0.0'] });
    await expect(vetOutboundUrl('http://10.0.0.1/', { policy })).resolves.toBeTruthy();
    for (const url of [
      'http://0.0.0.0/',
      'http://255.255.255.255/',
      'http://224.0.0.1/',
      'http://[::]/',
      'http://[ff02::1]/',
    ]) {
      await expect(vetOutboundUrl(url, { policy }), url).rejects.toBeInstanceOf(OutboundBlockedError);
    }
    await expect(vetOutboundUrl('http://wild.test/', { policy, resolve: wild })).rejects.toBeInstanceOf(
      OutboundBlockedError,
    );
  });
});
