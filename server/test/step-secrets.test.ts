import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW, GET_FLOW, SAVE_STEPS } from './fixtures.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

// Secret step settings (issue 12.4): sealed at rest, write-only through GraphQL and REST, opened only
// when the step runs. The receiver is real, so the run provably used the real values.
const AUTHORIZATION = 'Bearer AUTHSECRET-7f3a9c';
const SLACK_TOKEN = 'SLACKSECRET-51b2e0';
const TEAMS_TOKEN = 'TEAMSSECRET-c40d18';
const HOOK_TOKEN = 'HOOKSECRET-9e6a27';
const SECRETS = [AUTHORIZATION, 'AUTHSECRET', SLACK_TOKEN, TEAMS_TOKEN, HOOK_TOKEN];

let server: TestServer;
let receiver: http.Server;
const received: Array<{ path: string; authorization?: string }> = [];
const logged: string[] = [];
const originalWrites = { out: process.stdout.write, err: process.stderr.write };

beforeAll(async () => {
  // Every line the server process writes while these tests run is checked for the secrets too.
  for (const [stream, original] of [
    [process.stdout, originalWrites.out],
    [process.stderr, originalWrites.err],
  ] as const) {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  server = await startTestServer({ env: { KINFLOW_OUTBOUND_ALLOW: '127.0.0.1' } });
});
afterAll(async () => {
  process.stdout.write = originalWrites.out;
  process.stderr.write = originalWrites.err;
  await server.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

const base = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
const expectNoSecret = (where: string, value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
};

const steps = () => [
  { key: 'start', type: 'manual' },
  {
    key: 'call',
    type: 'http',
    config: {
      method: 'POST',
      url: `${base()}/call`,
      headers: { Authorization: AUTHORIZATION, 'X-Room': 'hall' },
    },
  },
  {
    key: 'tell',
    type: 'notification',
    config: {
      level: 'info',
      message: 'hello',
      channels: [
        { type: 'slack', url: `${base()}/slack/${SLACK_TOKEN}` },
        { type: 'teams', url: `${base()}/teams/${TEAMS_TOKEN}` },
      ],
    },
  },
  { key: 'hook', type: 'webhook_out', config: { url: `${base()}/hook/${HOOK_TOKEN}`, message: 'hi' } },
];
const edges = [
  { source: 'start', target: 'call' },
  { source: 'call', target: 'tell' },
  { source: 'tell', target: 'hook' },
];

const RUN = `query($id: ID!) { execution(id: $id) { status error { message } snapshot data
  timeline { stepKey status output error } } }`;

async function runToEnd(flowId: string) {
  const triggered = await server.gql(
    `mutation($id: ID!) { triggerFlow(id: $id) { ... on MutationTriggerFlowSuccess { data { id } } } }`,
    { id: flowId },
  );
  const id = triggered.data.triggerFlow.data.id as string;
  for (let i = 0; i < 400; i++) {
    const read = await server.gql(RUN, { id });
    if (!read.data) throw new Error(JSON.stringify(read.errors));
    const execution = read.data.execution;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(execution.status)) return { id, execution };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} did not finish`);
}

async function readers(): Promise<Array<[string, string]>> {
  const admin = await server.loginAs(ADMIN.email, ADMIN.password);
  await server.gql(
    `mutation { createUser(email: "viewer@example.test", name: "V", role: VIEWER, password: "long enough pw") { __typename } }`,
    {},
    admin,
  );
  const viewer = await server.loginAs('viewer@example.test', 'long enough pw');
  const key = await server.gql(
    `mutation { createApiKey(name: "reader", scopes: [READ]) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
    {},
    admin,
  );
  return [
    ['viewer', viewer],
    ['READ key', key.data.createApiKey.data.token as string],
  ];
}

describe('secret step settings', () => {
  it('are write-only through GraphQL and REST, used by the run, and absent from responses, logs and the database', async () => {
    const created = await server.gql(CREATE_FLOW, {
      input: { name: 'Secrets over GraphQL', steps: steps(), edges },
    });
    expect(created.data.createFlow.__typename, JSON.stringify(created)).toBe('MutationCreateFlowSuccess');
    const flow = created.data.createFlow.data;
    expectNoSecret('createFlow', created);
    const call = flow.steps.find((step: { key: string }) => step.key === 'call');
    expect(call.config.headers).toEqual({ Authorization: { $secret: 'set' }, 'X-Room': 'hall' });
    const tell = flow.steps.find((step: { key: string }) => step.key === 'tell');
    expect(tell.config.channels.map((channel: { url: unknown }) => channel.url)).toEqual([
      { $secret: 'set' },
      { $secret: 'set' },
    ]);

    // REST creates the same way and reads back masked.
    const overRest = await server.rest('POST', '/v1/flows', {
      input: { name: 'Secrets over REST', steps: steps(), edges },
    });
    expect(overRest.status, JSON.stringify(overRest.body)).toBe(201);
    expectNoSecret('POST /v1/flows', overRest.body);
    expectNoSecret(
      'GET /v1/flows/:id',
      (await server.rest('GET', `/v1/flows/${overRest.body.data.id}`)).body,
    );

    // A save that sends the masked config back keeps the secrets; the run uses the real ones.
    const resaved = await server.gql(SAVE_STEPS, {
      flowId: flow.id,
      expectedVersion: flow.version,
      steps: [{ key: 'call', type: 'http', config: { ...call.config, timeoutSeconds: 20 } }],
    });
    expect(resaved.data.saveFlowSteps.__typename, JSON.stringify(resaved)).toBe(
      'MutationSaveFlowStepsSuccess',
    );
    const { id: runId, execution } = await runToEnd(flow.id);
    expect(execution.status, JSON.stringify(execution.error)).toBe('COMPLETED');
    expect(received.find((r) => r.path === '/call')?.authorization).toBe(AUTHORIZATION);
    expect(received.map((r) => r.path)).toEqual(
      expect.arrayContaining([`/slack/${SLACK_TOKEN}`, `/teams/${TEAMS_TOKEN}`, `/hook/${HOOK_TOKEN}`]),
    );
    expectNoSecret('execution (snapshot, data, timeline)', execution);
    expect(JSON.stringify(execution.snapshot)).not.toContain('$sealed');
    expect(JSON.stringify(execution.snapshot)).toContain('{"$secret":"set"}');

    for (const [who, token] of await readers()) {
      const read = await server.gql(GET_FLOW, { id: flow.id }, token);
      expect(read.data.flow.steps.length, who).toBe(4);
      expectNoSecret(`flow as ${who}`, read);
      expectNoSecret(`run as ${who}`, await server.gql(RUN, { id: runId }, token));
      expectNoSecret(
        `REST run as ${who}`,
        await server.rest('GET', `/v1/executions/${runId}`, undefined, token),
      );
    }

    // Clearing a secret: null removes it, and the next read says it is not set.
    const current = (await server.gql(GET_FLOW, { id: flow.id })).data.flow;
    const cleared = await server.gql(SAVE_STEPS, {
      flowId: flow.id,
      expectedVersion: current.version,
      steps: [
        {
          key: 'call',
          type: 'http',
          config: { method: 'POST', url: `${base()}/call`, headers: { 'X-Room': 'hall' } },
        },
      ],
    });
    const clearedCall = cleared.data.saveFlowSteps.data.steps.find(
      (step: { key: string }) => step.key === 'call',
    );
    expect(clearedCall.config.headers).toEqual({ 'X-Room': 'hall' });

    expectNoSecret('log output', logged.join(''));
    // The raw database files, including the write-ahead log, hold only ciphertext.
    for (const file of fs.readdirSync(server.dataDir)) {
      const full = path.join(server.dataDir, file);
      if (!fs.statSync(full).isFile()) continue;
      expectNoSecret(file, fs.readFileSync(full).toString('latin1'));
    }
  });
});
