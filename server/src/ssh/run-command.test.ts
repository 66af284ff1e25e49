import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  normalizeFingerprint,
  runSshCommand,
  SshAbortedError,
  SshAuthError,
  SshConnectionError,
  SshHostKeyError,
  SshTimeoutError,
  type SshCommandOptions,
} from './index.js';
import { startTestSshd, type TestSshd } from './test-sshd.js';

let sshd: TestSshd;

beforeAll(async () => {
  sshd = await startTestSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function options(overrides: Partial<SshCommandOptions> = {}): SshCommandOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.clientKey,
    command: 'true',
    timeoutMs: 10_000,
    hostKey: { fingerprint: sshd.hostKeyFingerprint, trustOnFirstUse: false },
    ...overrides,
  };
}

const disconnects = (): number =>
  sshd
    .log()
    .split('\n')
    .filter((l) => l.startsWith('Disconnected from user')).length;

describe('runSshCommand against a real OpenSSH server', () => {
  it('runs a command and separates stdout, stderr and the exit code', async () => {
    const result = await runSshCommand(options({ command: 'echo hello; echo err 1>&2' }));
    expect(result).toMatchObject({
      stdout: 'hello\n',
      stderr: 'err\n',
      exitCode: 0,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      learnedHostKey: false,
      stdoutTruncated: false,
    });
    expect(result.signal).toBeUndefined();
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('returns a non-zero exit code instead of throwing', async () => {
    const result = await runSshCommand(options({ command: 'echo partial; exit 3' }));
    expect(result).toMatchObject({ exitCode: 3, stdout: 'partial\n' });
  });

  it('reports death by signal', async () => {
    const result = await runSshCommand(options({ command: 'kill -TERM $$' }));
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('times out, tears the session down and leaves sshd healthy', async () => {
    const before = disconnects();
    const started = Date.now();
    const error = await runSshCommand(options({ command: 'sleep 10', timeoutMs: 500 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SshTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
    // The session is torn down on the server side now, not when `sleep` ends.
    await expect.poll(disconnects, { timeout: 2_000, interval: 50 }).toBe(before + 1);
    expect(sshd.running()).toBe(true);
    const after = await runSshCommand(options({ command: 'echo still up' }));
    expect(after.stdout).toBe('still up\n');
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(
      runSshCommand(options({ command: 'sleep 10', signal: controller.signal })),
    ).rejects.toBeInstanceOf(SshAbortedError);
  });

  it('refuses an unknown host key without trust-on-first-use', async () => {
    const error = (await runSshCommand(
      options({ command: 'echo never', hostKey: { trustOnFirstUse: false } }),
    ).catch((e: unknown) => e)) as SshHostKeyError;
    expect(error).toBeInstanceOf(SshHostKeyError);
    expect(error.message).toBe(`unknown host key ${sshd.hostKeyFingerprint}`);
    expect(error.presented).toBe(sshd.hostKeyFingerprint);
  });

  it('learns the host key on first use', async () => {
    const result = await runSshCommand(
      options({ command: 'echo hi', hostKey: { fingerprint: null, trustOnFirstUse: true } }),
    );
    expect(result).toMatchObject({
      stdout: 'hi\n',
      learnedHostKey: true,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    });
  });

  it('refuses a mismatched stored fingerprint, even with trust-on-first-use', async () => {
    const wrong = `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`;
    const error = (await runSshCommand(
      options({ hostKey: { fingerprint: wrong, trustOnFirstUse: true } }),
    ).catch((e: unknown) => e)) as SshHostKeyError;
    expect(error).toBeInstanceOf(SshHostKeyError);
    expect(error.message).toContain(wrong);
    expect(error.message).toContain(sshd.hostKeyFingerprint);
    expect(error).toMatchObject({ expected: wrong, presented: sshd.hostKeyFingerprint });
  });

  it('accepts the stored fingerprint without prefix or with padding', async () => {
    const bare = sshd.hostKeyFingerprint.slice('SHA256:'.length);
    await expect(
      runSshCommand(options({ hostKey: { fingerprint: bare, trustOnFirstUse: false } })),
    ).resolves.toBeTruthy();
    await expect(
      runSshCommand(
        options({ hostKey: { fingerprint: `${sshd.hostKeyFingerprint}=`, trustOnFirstUse: false } }),
      ),
    ).resolves.toBeTruthy();
    await expect(
      runSshCommand(options({ hostKey: { fingerprint: 'not-a-fingerprint', trustOnFirstUse: true } })),
    ).rejects.toBeInstanceOf(SshHostKeyError);
  });

  it('reports a key the server does not accept as an auth error', async () => {
    await expect(runSshCommand(options({ privateKey: sshd.strangerKey }))).rejects.toBeInstanceOf(
      SshAuthError,
    );
    await expect(runSshCommand(options({ privateKey: undefined, password: 'guess' }))).rejects.toBeInstanceOf(
      SshAuthError,
    );
    await expect(runSshCommand(options({ privateKey: 'garbage' }))).rejects.toBeInstanceOf(SshAuthError);
  });

  it('reports a refused connection', async () => {
    const error = (await runSshCommand(options({ port: 1 })).catch((e: unknown) => e)) as SshConnectionError;
    expect(error).toBeInstanceOf(SshConnectionError);
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('caps each output stream and marks the truncation', async () => {
    const result = await runSshCommand(
      options({ command: 'head -c 300000 /dev/zero | tr "\\0" a; echo done 1>&2', maxOutputBytes: 100_000 }),
    );
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stdout.startsWith('a'.repeat(100_000))).toBe(true);
    expect(result.stdout).toContain('[… output truncated: 200000 more bytes]');
    expect(result).toMatchObject({ stderr: 'done\n', stderrTruncated: false, exitCode: 0 });
  });
});

describe('normalizeFingerprint', () => {
  it('accepts SHA256 and MD5 forms and rejects the rest', () => {
    const sha = 'SHA256:6jdb4UFB2pA9UpjHf/oFBCs7SbcWARE9YV7gcmOR/hE';
    expect(normalizeFingerprint(sha)).toBe(sha);
    expect(normalizeFingerprint(` sha256:${sha.slice(7)}= `)).toBe(sha);
    expect(normalizeFingerprint('MD5:AA:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99')).toBe(
      'MD5:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99',
    );
    expect(normalizeFingerprint('SHA256:short')).toBeUndefined();
    expect(normalizeFingerprint('')).toBeUndefined();
  });
});
