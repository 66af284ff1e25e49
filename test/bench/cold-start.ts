// Cold start: the built server (server/dist/main.js, as `pnpm --filter @kinflow/server run start` runs
// it) is spawned RUNS times on an empty data folder, with and without the demo household; measured
// from spawn to the first `/healthz` 200 (which answers only once everything has started), and the
// resident memory after IDLE_MS of idling. A bare `node:http` server is spawned the same way in the
// same run, as the floor the machine's load sets.
// Run: cd test && npx tsx bench/cold-start.ts   (RUNS=… IDLE_MS=… to change it; needs `pnpm build`)
// To compare with an earlier build in the same run, copy its server/dist to a folder beside it
// (e.g. server/dist-before) and set BASELINE_MAIN=server/dist-before/main.js.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, SERVER_DIR } from '../support/server-process.js';
import { percentile, rssMb } from './measure.js';

const RUNS = Number(process.env.RUNS ?? 5);
const IDLE_MS = Number(process.env.IDLE_MS ?? 5000);
const BUILT_MAIN = path.join(SERVER_DIR, 'dist/main.js');
const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`;

interface Variant {
  name: string;
  args: string[];
  env: Record<string, string>;
}

const variants: Variant[] = [
  { name: 'bare node:http server (floor)', args: ['-e', BARE_SERVER], env: {} },
  { name: 'Kinflow, empty data folder, demo on (default)', args: [BUILT_MAIN], env: {} },
  {
    name: 'Kinflow, empty data folder, KINFLOW_DEMO=false',
    args: [BUILT_MAIN],
    env: { KINFLOW_DEMO: 'false' },
  },
];
if (process.env.BASELINE_MAIN) {
  const baseline = path.resolve(SERVER_DIR, '..', process.env.BASELINE_MAIN);
  variants.push(
    { name: 'baseline build, demo on', args: [baseline], env: {} },
    { name: 'baseline build, KINFLOW_DEMO=false', args: [baseline], env: { KINFLOW_DEMO: 'false' } },
  );
}

/** CPU time (user + system, all threads) a process has used so far, in ms: far less load-dependent than wall time. */
const cpuMs = (pid: number): number => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

async function coldStart(variant: Variant): Promise<{ readyMs: number; cpu: number; rss: number }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-cold-'));
  const started = performance.now();
  const child = spawn(process.execPath, variant.args, {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      KINFLOW_DATA_DIR: dataDir,
      KINFLOW_QUIET: 'true',
      ...variant.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  try {
    // Polled often so the figure is the server's, not the poll interval's.
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`no /healthz after 60 s:\n${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const readyMs = performance.now() - started;
    const cpu = cpuMs(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { readyMs, cpu, rss: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export async function coldStartBenchmark(): Promise<void> {
  if (!fs.existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`pnpm build\` first`);
  const results = variants.map(() => ({ ready: [] as number[], cpu: [] as number[], rss: [] as number[] }));
  // Interleaved, so a burst of load on the shared machine falls on every variant alike.
  for (let run = 0; run < RUNS; run++) {
    for (const [index, variant] of variants.entries()) {
      const { readyMs, cpu, rss } = await coldStart(variant);
      results[index]!.ready.push(readyMs);
      results[index]!.cpu.push(cpu);
      results[index]!.rss.push(rss);
    }
  }
  const floor = median(results[0]!.ready);
  console.log(
    `${RUNS} cold starts each, spawn → /healthz 200 (wall and the process's CPU time), RSS after ${IDLE_MS / 1000} s idle (medians)`,
  );
  for (const [index, variant] of variants.entries()) {
    const { ready, cpu, rss } = results[index]!;
    const ms = median(ready);
    console.log(
      `${variant.name.padEnd(48)} ${ms.toFixed(0).padStart(6)} ms (${(ms / floor).toFixed(1)}× floor;` +
        ` min ${Math.min(...ready).toFixed(0)}, max ${Math.max(...ready).toFixed(0)})` +
        `  CPU ${median(cpu).toFixed(0)} ms  RSS ${median(rss).toFixed(0)} MiB`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await coldStartBenchmark();
