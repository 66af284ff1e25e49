import { startServerProcess as startProcess } from '../support/server-process.js';

/**
 * A Kinflow server in its own process with a fresh data folder, so the benchmark's client load does
 * not share the server's event loop (as it would not in production).
 */
export async function startServerProcess(env: Record<string, string>) {
  const server = await startProcess({
    entry: 'source',
    env: { KINFLOW_DEMO: 'false', NODE_ENV: 'production', ...env },
    nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : [],
  });
  return { port: server.port, pid: server.pid, dataDir: server.dataDir, stop: () => server.dispose() };
}
