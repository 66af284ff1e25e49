// Issue 16 points 1–4 and the data-folder lock, through the API of real server processes.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREATE_FLOW } from './fixtures.js';
import {
  eventually,
  randomPort,
  spawnServer,
  startServerProcess,
  type ServerProcess,
} from './server-process.js';

const running: ServerProcess[] = [];
const folders: string[] = [];
const httpServers: http.Server[] = [];

function dataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-correct-'));
  folders.push(dir);
  return dir;
}

async function start(dir: string, port: number, env?: Record<string, string>) {
  const server = await startServerProcess(dir, port, env);
  running.push(server);
  return server;
}

afterEach(async () => {
  for (const server of running.splice(0)) await server.kill();
  for (const server of httpServers.splice(0)) server.close();
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function createFlow(server: ServerProcess, input: Record<string, unknown>): Promise<string> {
  const result = await server.gql(CREATE_FLOW, { input });
  if (!result.createFlow.data) throw new Error(JSON.stringify(result.createFlow));
  return result.createFlow.data.id;
}

const TRIGGER = `mutation($id: ID!, $payload: JSONObject) { triggerFlow(id: $id, payload: $payload) {
  __typename ... on MutationTriggerFlowSuccess { data { id } } ... on RunRefusedError { reason message } } }`;

async function trigger(server: ServerProcess, flowId: string, payload: Record<string, unknown> = {}) {
  const result = await server.gql(TRIGGER, { id: flowId, payload });
  if (!result.triggerFlow.data) throw new Error(JSON.stringify(result.triggerFlow));
  return result.triggerFlow.data.id as string;
}

interface Run {
  status: string;
  completedSteps: string[];
  skippedSteps: string[];
  timeline: Array<{ stepKey: string; status: string }>;
}

async function run(server: ServerProcess, id: string): Promise<Run | null> {
  const data = await server.gql(
    `query($id: ID!) { execution(id: $id) { status completedSteps skippedSteps timeline { stepKey status } } }`,
    { id },
  );
  return data.execution;
}

const untilStatus = (server: ServerProcess, id: string, status: string) =>
  eventually(async () => {
    const current = await run(server, id);
    return current?.status === status ? current : undefined;
  });

describe('independent branches through the API, across SIGKILL', () => {
  it('parks both waits at once, runs the other branch now, and joins once after a restart', async () => {
    const dir = dataDir();
    const port = randomPort();
    let server = await start(dir, port);
    const flowId = await createFlow(server, {
      name: 'Branches',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'a', type: 'wait', config: { seconds: 2 } },
        { key: 'b', type: 'wait', config: { seconds: 2 } },
        { key: 'notifyNow', type: 'log', config: { message: 'now' } },
        { key: 'join', type: 'log', config: { message: 'both done' } },
      ],
      edges: [
        { source: 'start', target: 'a' },
        { source: 'start', target: 'b' },
        { source: 'start', target: 'notifyNow' },
        { source: 'a', target: 'join' },
        { source: 'b', target: 'join' },
      ],
    });
    const id = await trigger(server, flowId);
    const waiting = await untilStatus(server, id, 'WAITING');
    const statusOf = (key: string) =>
      waiting.timeline.filter((row) => row.stepKey === key).map((row) => row.status);
    expect(statusOf('notifyNow')).toEqual(['COMPLETED']);
    expect(statusOf('a')).toEqual(['WAITING']);
    expect(statusOf('b')).toEqual(['WAITING']);

    await server.kill();
    server = await start(dir, port);
    const done = await untilStatus(server, id, 'COMPLETED');
    expect(done.timeline.filter((row) => row.stepKey === 'join').map((row) => row.status)).toEqual([
      'COMPLETED',
    ]);
  }, 240_000);
});

describe('deleting and disabling a flow through the API', () => {
  it('stops its runs: no HTTP call is made after the delete or the disable', async () => {
    let hits = 0;
    const target = http.createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    httpServers.push(target);
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
    const server = await start(dataDir(), randomPort(), { KINFLOW_OUTBOUND_ALLOW: '127.0.0.1' });
    const flowInput = (name: string) => ({
      name,
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'pause', type: 'wait', config: { seconds: 1 } },
        { key: 'call', type: 'http', config: { url } },
      ],
      edges: [
        { source: 'start', target: 'pause' },
        { source: 'pause', target: 'call' },
      ],
    });
    const doomed = await createFlow(server, flowInput('Deleted'));
    const paused = await createFlow(server, flowInput('Disabled'));
    const deletedRun = await trigger(server, doomed);
    const disabledRun = await trigger(server, paused);
    await untilStatus(server, deletedRun, 'WAITING');
    await untilStatus(server, disabledRun, 'WAITING');

    const deleted = await server.gql(`mutation($id: ID!) { deleteFlow(id: $id) { __typename } }`, {
      id: doomed,
    });
    expect(deleted.deleteFlow.__typename).toBe('MutationDeleteFlowSuccess');
    const disabled = await server.gql(
      `mutation($id: ID!) { updateFlow(id: $id, input: { enabled: false }) { __typename } }`,
      { id: paused },
    );
    expect(disabled.updateFlow.__typename).toBe('MutationUpdateFlowSuccess');
    expect((await run(server, disabledRun))?.status).toBe('CANCELLED');
    expect(await run(server, deletedRun)).toBeNull();
    // Well past the waits' end: had either run gone on, it would have called by now.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(hits).toBe(0);
    expect(server.stderr()).not.toMatch(/dropped write/);
  }, 240_000);
});

describe('alerts whose message renders to another type, through the API', () => {
  it('stores and lists the message as text', async () => {
    const server = await start(dataDir(), randomPort());
    const flowId = await createFlow(server, {
      name: 'Typed',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'warn', type: 'alert', config: { message: '{{trigger.payload.room}}' } },
        { key: 'count', type: 'alert', config: { message: '{{trigger.count}}' } },
      ],
      edges: [
        { source: 'start', target: 'warn' },
        { source: 'warn', target: 'count' },
      ],
    });
    const id = await trigger(server, flowId, { room: { name: 'kitchen' }, count: 5 });
    await untilStatus(server, id, 'COMPLETED');
    const data = await server.gql(
      `query($flowId: ID!) { alerts(flowId: $flowId, first: 10) { edges { node { stepKey message } } } }`,
      { flowId },
    );
    const messages = Object.fromEntries(
      data.alerts.edges.map((edge: { node: { stepKey: string; message: string } }) => [
        edge.node.stepKey,
        edge.node.message,
      ]),
    );
    expect(messages).toEqual({ warn: '{"name":"kitchen"}', count: '5' });
  }, 240_000);
});

describe('run data above 1 MB through the API, across SIGKILL', () => {
  it('takes the same branch after a restart, and refuses a payload above the limit', async () => {
    const dir = dataDir();
    const port = randomPort();
    let server = await start(dir, port);
    const flowId = await createFlow(server, {
      name: 'Big',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'pause', type: 'wait', config: { seconds: 2 } },
        { key: 'inKitchen', type: 'condition', config: { expression: "trigger.payload.room == 'kitchen'" } },
        { key: 'yes', type: 'log', config: { message: 'kitchen' } },
        { key: 'no', type: 'log', config: { message: 'elsewhere' } },
      ],
      edges: [
        { source: 'start', target: 'pause' },
        { source: 'pause', target: 'inKitchen' },
        { source: 'inKitchen', sourcePort: 'true', target: 'yes' },
        { source: 'inKitchen', sourcePort: 'false', target: 'no' },
      ],
    });
    // Below the payload limit, but the run's data (payload, trigger.*, flat keys) is well above 1 MB.
    const id = await trigger(server, flowId, { room: 'kitchen', blob: 'b'.repeat(900_000) });
    await untilStatus(server, id, 'WAITING');
    await server.kill();
    server = await start(dir, port);
    const done = await untilStatus(server, id, 'COMPLETED');
    expect(done.completedSteps).toContain('yes');
    expect(done.skippedSteps).toContain('no');

    const refused = await server.gql(TRIGGER, { id: flowId, payload: { blob: 'b'.repeat(1024 * 1024) } });
    expect(refused.triggerFlow).toMatchObject({ __typename: 'RunRefusedError', reason: 'payload_too_large' });
  }, 240_000);
});

describe('one server per data folder', () => {
  it('refuses a second server on the same folder before it touches the first one’s runs', async () => {
    const dir = dataDir();
    const first = await start(dir, randomPort());
    const flowId = await createFlow(first, {
      name: 'Held',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'pause', type: 'wait', config: { minutes: 10 } },
      ],
      edges: [{ source: 'start', target: 'pause' }],
    });
    const id = await trigger(first, flowId);
    await untilStatus(first, id, 'WAITING');

    const second = spawnServer(dir, randomPort());
    const code = await new Promise<number | null>((resolve) => second.proc.once('exit', resolve));
    expect(code).toBe(2);
    expect(second.stderr()).toMatch(/in use by another Kinflow server \(pid \d+\)/);
    expect((await run(first, id))?.status).toBe('WAITING');

    // After the first one is gone (even by SIGKILL), the folder is free again.
    await first.kill();
    const third = await start(dir, randomPort());
    expect((await run(third, id))?.status).toBe('WAITING');
  }, 240_000);
});
