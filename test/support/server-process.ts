import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SERVER_DIR = path.resolve(import.meta.dirname, '../../server');
const BUILT_MAIN = path.join(SERVER_DIR, 'dist/main.js');

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface ServerProcessOptions {
  /** Environment on top of the defaults (a fresh data folder, a free port, quiet output). */
  env?: Record<string, string>;
  /** `built` runs server/dist/main.js as a user does; `source` runs src/main.ts through tsx. */
  entry?: 'built' | 'source';
  /** Reuse a data folder (to restart on the same database); a fresh one is made otherwise. */
  dataDir?: string;
  nodeArgs?: string[];
}

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, and the exit code once it has stopped. */
  stop(): Promise<number | null>;
  /** Ends the process without a chance to clean up, as a crash or power cut would. */
  kill(): Promise<void>;
  /** Starts a new process on the same data folder and port. */
  restart(): Promise<ServerProcess>;
  /** Stops the process (if running) and deletes the data folder. */
  dispose(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/**
 * A Kinflow server in its own process, the way a user runs it: its own event loop, its own stdout,
 * stopped by a signal. Waits until `/healthz` answers.
 */
export async function startServerProcess(
  options: ServerProcessOptions = {},
  port?: number,
): Promise<ServerProcess> {
  const entry = options.entry ?? 'built';
  if (entry === 'built' && !fs.existsSync(BUILT_MAIN)) {
    throw new Error(`${BUILT_MAIN} is missing: run \`pnpm build\` first`);
  }
  const chosenPort = port ?? (await freePort());
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-proc-'));
  const args = entry === 'built' ? [BUILT_MAIN] : ['--import', 'tsx', path.join(SERVER_DIR, 'src/main.ts')];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      PORT: String(chosenPort),
      HOST: '127.0.0.1',
      KINFLOW_DATA_DIR: dataDir,
      KINFLOW_QUIET: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${chosenPort}`;

  const handle: ServerProcess = {
    url,
    port: chosenPort,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited(child);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    },
    async restart() {
      await handle.stop();
      return startServerProcess({ ...options, dataDir }, chosenPort);
    },
    async dispose() {
      await handle.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return handle;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || child.signalCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await handle.kill();
  throw new Error(`the server did not start:\n${output}`);
}
