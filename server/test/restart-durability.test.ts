import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW } from './fixtures.js';
import { API_KEY } from './harness.js';

const serverDir = path.resolve(import.meta.dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-restart-'));
let child: ChildProcess | undefined;

/** A real server process (not in-process), so SIGKILL really loses everything in memory. */
async function startProcess(port: number): Promise<ChildProcess> {
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
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk) => (stderr += chunk));
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return proc;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not start: ${stderr}`);
}

async function gql(port: number, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return ((await response.json()) as { data: any }).data;
}

afterAll(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('durable waits survive a killed server', () => {
  it('every waiting run completes exactly once after SIGKILL and restart', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    child = await startProcess(port);
    const created = await gql(port, CREATE_FLOW, {
      input: {
        name: 'Wait through a crash',
        steps: [
          { key: 'start', type: 'manual' },
          { key: 'pause', type: 'wait', config: { seconds: 2 } },
          { key: 'after', type: 'log', config: { message: 'resumed' } },
        ],
        edges: [
          { source: 'start', target: 'pause' },
          { source: 'pause', target: 'after' },
        ],
      },
    });
    const flowId = created.createFlow.data.id;
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const result = await gql(
        port,
        `mutation($id: ID!) { triggerFlow(id: $id, payload: { i: ${i} }) { ... on MutationTriggerFlowSuccess { data { id } } } }`,
        { id: flowId },
      );
      ids.push(result.triggerFlow.data.id);
    }
    for (let i = 0; i < 100; i++) {
      const list = await gql(port, `{ executions(status: [WAITING]) { edges { node { id } } } }`);
      if (list.executions.edges.length === ids.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));

    // Down for longer than the wait, so the runs are due (but within the late grace) when it returns.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    child = await startProcess(port);
    const query = `query($id: ID!) { execution(id: $id) { status timeline { stepKey status } } }`;
    for (const id of ids) {
      let run: { status: string; timeline: Array<{ stepKey: string; status: string }> } | undefined;
      for (let i = 0; i < 200; i++) {
        run = (await gql(port, query, { id })).execution;
        if (run?.status === 'COMPLETED') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(run?.status).toBe('COMPLETED');
      expect(
        run!.timeline.filter((row) => row.stepKey === 'after' && row.status === 'COMPLETED'),
      ).toHaveLength(1);
    }
  }, 60000);
});
