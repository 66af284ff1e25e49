import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSshd, type TestSshd } from '../src/ssh/test-sshd.js';
import { createFlowOrFail } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

// Action steps through the whole chain: a node created over GraphQL (secret sealed), a flow
// triggered over GraphQL, and the outside world real: a local HTTP receiver and OpenSSH.
let server: TestServer;
let sshd: TestSshd;
let receiver: http.Server;
const received: Array<{ path: string; body: any }> = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: body ? JSON.parse(body) : null });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"answer":42}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  sshd = await startTestSshd();
  // Loopback is blocked for outbound requests unless allow-listed, as a LAN target would be.
  server = await startTestServer({ env: { KINFLOW_OUTBOUND_ALLOW: '127.0.0.1' } });
});
afterAll(async () => {
  await server.stop();
  await sshd.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

const base = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
const TRIGGER = `mutation($id: ID!, $payload: JSONObject) { triggerFlow(id: $id, payload: $payload) {
  ... on MutationTriggerFlowSuccess { data { id } } ... on Error { code message } } }`;
const GET = `query($id: ID!) { execution(id: $id) { status error { message stepKey }
  timeline { stepKey status ports output } } }`;

async function run(flowId: string, payload: Record<string, unknown> = {}) {
  const triggered = await server.gql(TRIGGER, { id: flowId, payload });
  const id = triggered.data.triggerFlow.data.id as string;
  for (let i = 0; i < 400; i++) {
    const execution = (await server.gql(GET, { id })).data.execution;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(execution.status)) return execution;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} did not finish`);
}
const outputOf = (execution: { timeline: Array<{ stepKey: string; output: any }> }, key: string) =>
  execution.timeline.filter((row) => row.stepKey === key).at(-1)?.output;

describe('action steps over the API', () => {
  it('calls an HTTP endpoint, checks the answer, and notifies Slack and the app', async () => {
    const flowId = await createFlowOrFail(
      server,
      'Ask and tell',
      [
        { key: 'start', type: 'manual' },
        {
          key: 'ask',
          type: 'http',
          config: { method: 'POST', url: `${base()}/ask`, body: { room: '{{ trigger.payload.room }}' } },
        },
        {
          key: 'tell',
          type: 'notification',
          config: {
            level: 'info',
            message: 'Answer for {{ trigger.payload.room }}: {{ steps.ask.output.body.answer }}',
            channels: [
              { type: 'slack', url: `${base()}/slack` },
              { type: 'in_app' },
              { type: 'teams', url: '' },
            ],
          },
        },
      ],
      [
        { source: 'start', target: 'ask' },
        { source: 'ask', target: 'tell' },
      ],
    );
    const execution = await run(flowId, { room: 'kitchen' });
    expect(execution.status, JSON.stringify(execution.error)).toBe('COMPLETED');
    expect(received.find((r) => r.path === '/ask')?.body).toEqual({ room: 'kitchen' });
    expect(outputOf(execution, 'ask')).toMatchObject({ status: 200, ok: true, body: { answer: 42 } });
    expect(JSON.stringify(received.find((r) => r.path === '/slack')?.body)).toContain(
      'Answer for kitchen: 42',
    );
    const channels = outputOf(execution, 'tell').notification_channels as Array<{
      channel: string;
      delivered: boolean;
      reason?: string;
    }>;
    expect(channels.map(({ channel, delivered, reason }) => ({ channel, delivered, reason }))).toEqual([
      { channel: 'slack', delivered: true, reason: undefined },
      { channel: 'in_app', delivered: true, reason: undefined },
      { channel: 'teams', delivered: false, reason: 'not_configured' },
    ]);
    const alerts = await server.gql(
      `query($flowId: ID) { alerts(flowId: $flowId, first: 5) { edges { node { message } } } }`,
      { flowId },
    );
    expect(alerts.data.alerts.edges[0].node.message).toBe('Answer for kitchen: 42');
  });

  it('refuses a private target that is not allow-listed, and the run says why', async () => {
    const flowId = await createFlowOrFail(
      server,
      'Metadata grab',
      [
        { key: 'start', type: 'manual' },
        { key: 'grab', type: 'http', config: { url: 'http://169.254.169.254/latest/meta-data/' } },
      ],
      [{ source: 'start', target: 'grab' }],
    );
    const execution = await run(flowId);
    expect(execution.status).toBe('FAILED');
    expect(execution.error.stepKey).toBe('grab');
    expect(execution.error.message).toMatch(/169\.254\.169\.254|link-local|blocked|not allowed/i);
  });

  it('runs a command over SSH on a node whose secret was sealed by the API', async () => {
    const created = await server.gql(
      `mutation($input: CreateNodeInput!) { createNode(input: $input) {
        ... on MutationCreateNodeSuccess { data { id ssh { hasSecret } } } ... on Error { message } } }`,
      {
        input: {
          name: 'hall-pi',
          kind: 'gateway',
          ssh: {
            host: sshd.host,
            port: sshd.port,
            user: sshd.username,
            privateKey: sshd.clientKey,
            hostKeyFingerprint: sshd.hostKeyFingerprint,
          },
        },
      },
    );
    const node = created.data.createNode.data;
    expect(node.ssh.hasSecret).toBe(true);
    const rawId = Buffer.from(node.id, 'base64').toString().split(':')[1];
    const flowId = await createFlowOrFail(
      server,
      'Uptime',
      [
        { key: 'start', type: 'manual' },
        {
          key: 'probe',
          type: 'command',
          config: { nodeId: rawId, command: 'echo "hello from $(whoami)"; exit 3' },
        },
        { key: 'failed', type: 'log', config: { message: 'exit {{ steps.probe.output.exitCode }}' } },
      ],
      [
        { source: 'start', target: 'probe' },
        { source: 'probe', sourcePort: 'error', target: 'failed' },
      ],
    );
    const execution = await run(flowId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('COMPLETED');
    expect(outputOf(execution, 'probe')).toMatchObject({
      stdout: `hello from ${sshd.username}\n`,
      exitCode: 3,
    });
    expect(outputOf(execution, 'failed')).toMatchObject({ message: 'exit 3' });
  });
});
