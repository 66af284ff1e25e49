import { spawn, type ChildProcess } from 'node:child_process';
import { API_KEY } from './harness.js';
import path from 'node:path';

const serverDir = path.resolve(import.meta.dirname, '..');

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  kill(): Promise<void>;
}

export const randomPort = () => 20000 + Math.floor(Math.random() * 40000);

/** Spawns `src/main.ts` as its own process (SIGKILL really loses its memory); resolves once /healthz answers. */
export async function startServerProcess(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const { proc, stderr, stdout } = spawnServer(dataDir, port, env);
  for (let i = 0; i < 900; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (i === 899) throw new Error(`server did not start: ${stderr()}`);
  }
  return {
    proc,
    port,
    stderr,
    stdout,
    async gql(query, variables) {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ query, variables }),
      });
      const json = (await response.json()) as { data: any; errors?: unknown };
      if (json.errors) throw new Error(JSON.stringify(json.errors));
      return json.data;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export function spawnServer(dataDir: string, port: number, env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      KINFLOW_DATA_DIR: dataDir,
      KINFLOW_API_KEY: API_KEY,
      KINFLOW_DEMO: 'false',
      KINFLOW_QUIET: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr?.on('data', (chunk) => (stderr += chunk));
  proc.stdout?.on('data', (chunk) => (stdout += chunk));
  return { proc, stderr: () => stderr, stdout: () => stdout };
}

/** Polls `check` every 50 ms until it returns a value, at most `tries` times. */
export async function eventually<T>(check: () => Promise<T | undefined>, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not reached');
}
