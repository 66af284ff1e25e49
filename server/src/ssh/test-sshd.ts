// Test harness: a real OpenSSH server on a loopback port with throwaway keys, for the SSH runner's tests.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  username: string;
  /** OpenSSH-format private key that is in authorized_keys. */
  clientKey: string;
  /** A valid key that is NOT authorized, for the auth-failure test. */
  strangerKey: string;
  /** `SHA256:…` of the server's host key, as printed by `ssh-keygen -lf`. */
  hostKeyFingerprint: string;
  /** The last lines sshd logged (it runs with -e), for failure messages. */
  log(): string;
  running(): boolean;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
    stdio: 'ignore',
  });
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sshdConfig(dir: string, port: number, username: string): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_ed25519')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `AllowUsers ${username}`,
    // Root in CI containers: keys only, never passwords.
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'HostbasedAuthentication no',
    // The temp dir and key files are owned by whoever runs the tests, not laid out like ~/.ssh.
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'X11Forwarding no',
    'PermitTTY no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

/** Start sshd -D -e on 127.0.0.1 with fresh keys; resolves when the port accepts connections. */
export async function startTestSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kinflow-sshd-'));
  const username = userInfo().username;
  keygen(path.join(dir, 'host_ed25519'), 'kinflow-test-host');
  keygen(path.join(dir, 'client_ed25519'), 'kinflow-test-client');
  keygen(path.join(dir, 'stranger_ed25519'), 'kinflow-test-stranger');
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_ed25519.pub')));
  const listing = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host_ed25519.pub')], {
    encoding: 'utf8',
  });
  const hostKeyFingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(listing)?.[0];
  if (!hostKeyFingerprint) throw new Error(`cannot read host key fingerprint from: ${listing}`);
  // sshd refuses to start as root without its privilege-separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const configFile = path.join(dir, 'sshd_config');
  const logLines: string[] = [];
  // The free port can be taken between probing and sshd binding it; try a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeLoopbackPort();
    writeFileSync(configFile, sshdConfig(dir, port, username));
    const proc = spawn(SSHD_PATH, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let exited = false;
    const exit = once(proc, 'exit').then(() => (exited = true));
    proc.stderr!.setEncoding('utf8').on('data', (text: string) => {
      logLines.push(...text.trimEnd().split('\n'));
      logLines.splice(0, Math.max(0, logLines.length - 200));
    });
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline && !(await canConnect(port))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!exited && (await canConnect(port))) {
      const running = (): boolean => !exited;
      return {
        host: '127.0.0.1',
        port,
        username,
        clientKey: readFileSync(path.join(dir, 'client_ed25519'), 'utf8'),
        strangerKey: readFileSync(path.join(dir, 'stranger_ed25519'), 'utf8'),
        hostKeyFingerprint,
        log: () => logLines.join('\n'),
        running,
        stop: async () => {
          if (running()) {
            proc.kill('SIGTERM');
            await exit;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (!exited) {
      proc.kill('SIGKILL');
      await exit;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start:\n${logLines.join('\n')}`);
}
