import { performance } from 'node:perf_hooks';
import type * as Ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import {
  SshAbortedError,
  SshAuthError,
  SshConnectionError,
  type SshError,
  SshHostKeyError,
  SshTimeoutError,
} from './errors.js';
import { fingerprintMatches, normalizeFingerprint, sha256Fingerprint } from './fingerprint.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

// ssh2 and its crypto take a noticeable share of a cold start, and most households never run a
// command step: it is loaded on the first command.
let ssh2: Promise<typeof Ssh2> | undefined;
const loadSsh2 = () => (ssh2 ??= import('ssh2'));

export interface SshHostKeyPolicy {
  /** Stored fingerprint, `SHA256:base64` as `ssh-keygen -l` prints it (MD5 hex is accepted too). */
  fingerprint?: string | null;
  /** With no stored fingerprint: accept the presented key and report it so the caller can store it. */
  trustOnFirstUse: boolean;
}

export interface SshCommandOptions {
  host: string;
  port?: number;
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  command: string;
  /** Budget for connect + authenticate + run; on expiry the command's channel and connection are torn down. */
  timeoutMs: number;
  hostKey: SshHostKeyPolicy;
  signal?: AbortSignal;
  /** Per stream (stdout, stderr); the rest is dropped and a marker appended. Default 1 MiB. */
  maxOutputBytes?: number;
}

export interface SshCommandResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the command was killed by a signal or the server sent none. */
  exitCode: number | null;
  /** Signal name as Node spells it (e.g. `SIGTERM`) when the command died from a signal. */
  signal?: string;
  durationMs: number;
  /** SHA256 fingerprint of the key the server presented. */
  hostKeyFingerprint: string;
  /** True when the key was accepted on first use: the caller should store `hostKeyFingerprint`. */
  learnedHostKey: boolean;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Collects a stream up to `limit` bytes and counts what it had to drop. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }
  text(): string {
    const text = Buffer.concat(this.chunks, this.kept).toString('utf8');
    return this.dropped > 0 ? `${text}\n[… output truncated: ${this.dropped} more bytes]` : text;
  }
}

function validate(options: SshCommandOptions): void {
  if (!options.host) throw new TypeError('host is required');
  if (!options.username) throw new TypeError('username is required');
  if (!options.command) throw new TypeError('command is required');
  if (!(options.timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number');
}

function mapClientError(error: Error & { level?: string; code?: string | number }): SshError {
  if (error.level === 'client-authentication') {
    return new SshAuthError(`authentication failed: ${error.message}`);
  }
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code && CONNECTION_CODES.has(code)) {
    return new SshConnectionError(`cannot connect: ${code}`, code, { cause: error });
  }
  return new SshConnectionError(`SSH connection failed: ${error.message}`, code, { cause: error });
}

/**
 * Run one command over SSH and collect its output. A non-zero exit is a result, not an error; errors are
 * SshHostKeyError, SshAuthError, SshConnectionError, SshTimeoutError and SshAbortedError.
 */
export async function runSshCommand(options: SshCommandOptions): Promise<SshCommandResult> {
  validate(options);
  const stored = options.hostKey.fingerprint?.trim() || undefined;
  const expected = stored === undefined ? undefined : normalizeFingerprint(stored);
  if (stored !== undefined && expected === undefined) {
    throw new SshHostKeyError(`stored host key fingerprint "${stored}" is not a SHA256 or MD5 fingerprint`);
  }
  const { Client } = await loadSsh2();
  if (options.signal?.aborted) throw new SshAbortedError('SSH command aborted before it started');

  const started = performance.now();
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const stdout = new CappedBuffer(limit);
  const stderr = new CappedBuffer(limit);
  const client = new Client();
  let presented: string | undefined;
  let learned = false;
  let hostKeyProblem: SshHostKeyError | undefined;
  let channel: ClientChannel | undefined;
  let exitCode: number | null = null;
  let exitSignal: string | undefined;

  // ssh2 only says "Host denied"; the verifier remembers why, so the caller gets a precise error.
  const hostVerifier = (key: Buffer): boolean => {
    presented = sha256Fingerprint(key);
    if (expected) {
      if (fingerprintMatches(key, expected)) return true;
      hostKeyProblem = new SshHostKeyError(
        `host key mismatch for ${options.host}: stored ${expected}, server presented ${presented}`,
        presented,
        expected,
      );
      return false;
    }
    if (options.hostKey.trustOnFirstUse) {
      learned = true;
      return true;
    }
    hostKeyProblem = new SshHostKeyError(`unknown host key ${presented}`, presented);
    return false;
  };

  return new Promise<SshCommandResult>((resolve, reject) => {
    let settled = false;
    const teardown = (): void => {
      // Ask sshd to kill the command, then drop the connection. OpenSSH refuses signal requests for root
      // sessions (no post-auth privsep); without a PTY there is no SIGHUP either, so such a command runs on
      // until it next writes to the closed channel or ends by itself.
      try {
        channel?.signal('KILL');
        channel?.close();
      } catch {
        // The channel may already be gone; the connection teardown below is what matters.
      }
      client.end();
      setTimeout(() => client.destroy(), 1_000).unref();
    };
    const finish = (error: SshError | undefined, result?: SshCommandResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        teardown();
        reject(error);
      } else {
        client.end();
        resolve(result!);
      }
    };
    const timer = setTimeout(() => finish(new SshTimeoutError(options.timeoutMs)), options.timeoutMs);
    const onAbort = (): void => finish(new SshAbortedError('SSH command aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    client.on('ready', () => {
      client.exec(options.command, (err, stream) => {
        if (err) return finish(new SshConnectionError(`cannot start the command: ${err.message}`));
        channel = stream;
        stream.on('data', (chunk: Buffer) => stdout.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        stream.on('exit', (code: number | null, signal?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = signal ?? undefined;
        });
        stream.on('close', () =>
          finish(undefined, {
            stdout: stdout.text(),
            stderr: stderr.text(),
            exitCode,
            ...(exitSignal ? { signal: exitSignal } : {}),
            durationMs: Math.round(performance.now() - started),
            hostKeyFingerprint: presented ?? '',
            learnedHostKey: learned,
            stdoutTruncated: stdout.dropped > 0,
            stderrTruncated: stderr.dropped > 0,
          }),
        );
      });
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (err.level === 'client-timeout') return finish(new SshTimeoutError(options.timeoutMs));
      finish(hostKeyProblem ?? mapClientError(err));
    });
    client.on('close', () =>
      finish(hostKeyProblem ?? new SshConnectionError('connection closed before the command finished')),
    );
    // Servers that only offer keyboard-interactive still get the password.
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, answer) => {
      answer(prompts.map(() => options.password ?? ''));
    });

    const config: ConnectConfig = {
      host: options.host,
      port: options.port ?? 22,
      username: options.username,
      hostVerifier,
      readyTimeout: options.timeoutMs,
      tryKeyboard: options.password !== undefined,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    };
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 parses the private key synchronously; an unusable key is a credentials problem.
      finish(new SshAuthError(`cannot use the private key: ${(error as Error).message}`));
    }
  });
}
