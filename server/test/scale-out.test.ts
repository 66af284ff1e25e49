import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFlowOrFail } from './fixtures.js';
import { ADMIN, API_KEY, startTestServer, type TestServer } from './harness.js';

// Two instances, each with its own data folder, sharing one Redis: only the bus between them is under test.
const REDIS_URL = process.env.KINFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const reachable = await redisReachable();
if (!reachable && process.env.CI === 'true') throw new Error(`Redis is required in CI (${REDIS_URL})`);
if (!reachable) console.warn(`skipping scale-out tests: no Redis at ${REDIS_URL}`);

describe.skipIf(!reachable)('two instances on one Redis', () => {
  let a: TestServer;
  let b: TestServer;
  const prefix = `kinflow-test:${process.pid}:${Date.now()}:`;
  beforeAll(async () => {
    const env = { REDIS_URL, KINFLOW_REDIS_PREFIX: prefix };
    [a, b] = await Promise.all([startTestServer({ env }), startTestServer({ env })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a graphql-ws subscriber on A receives the events of a run executed on B', async () => {
    const flowId = await createFlowOrFail(
      b,
      'Runs on B',
      [
        { key: 'start', type: 'manual' },
        { key: 'note', type: 'log', config: { message: 'on b' } },
      ],
      [{ source: 'start', target: 'note' }],
    );
    const client = createClient({
      url: `ws://127.0.0.1:${a.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${API_KEY}` },
    });
    const seen: Array<{ kind: string; status: string; stepKey: string | null; executionId: string }> = [];
    const completed = new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription { pipelineExecutionEvents { ... on PipelineExecutionEvent { kind status stepKey executionId } } }`,
        },
        {
          next: (message) => {
            const event = (message.data as { pipelineExecutionEvents: (typeof seen)[number] })
              .pipelineExecutionEvents;
            seen.push(event);
            if (event.kind === 'EXECUTION' && event.status === 'COMPLETED') resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const triggered = await b.gql(
      `mutation($id: ID!) { triggerFlow(id: $id) { ... on MutationTriggerFlowSuccess { data { id } } } }`,
      { id: flowId },
    );
    const runId = triggered.data.triggerFlow.data.id as string;
    await completed;
    await client.dispose();
    expect(seen.every((event) => event.executionId === runId)).toBe(true);
    expect(seen.some((event) => event.stepKey === 'note' && event.status === 'COMPLETED')).toBe(true);
  });

  it('each instance’s waits are BullMQ delayed jobs in its own database’s queue, resumed once', async () => {
    const flowIds = await Promise.all(
      [a, b].map((server) =>
        createFlowOrFail(
          server,
          'Waits a second',
          [
            { key: 'start', type: 'manual' },
            { key: 'pause', type: 'wait', config: { seconds: 1 } },
            { key: 'note', type: 'log', config: { message: 'resumed' } },
          ],
          [
            { source: 'start', target: 'pause' },
            { source: 'pause', target: 'note' },
          ],
        ),
      ),
    );
    const runIds = await Promise.all(
      [a, b].map(async (server, i) => {
        const triggered = await server.gql(
          `mutation($id: ID!) { triggerFlow(id: $id) { ... on MutationTriggerFlowSuccess { data { id } } } }`,
          { id: flowIds[i] },
        );
        return triggered.data.triggerFlow.data.id as string;
      }),
    );
    const redis = new Redis(REDIS_URL);
    try {
      // Two queues (one per database), each holding its instance's one delayed wait.
      let delayed: string[] = [];
      for (let i = 0; i < 50 && delayed.length < 2; i++) {
        delayed = await redis.keys(`${prefix}bull:waits.*:delayed`);
        if (delayed.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(delayed).toHaveLength(2);
      for (const key of delayed) expect(await redis.zcard(key)).toBe(1);
    } finally {
      redis.disconnect();
    }
    for (const [i, server] of [a, b].entries()) {
      let status = '';
      for (let attempt = 0; attempt < 100 && status !== 'COMPLETED'; attempt++) {
        const result = await server.gql(
          `query($id: ID!) { node(id: $id) { ... on FlowExecution { status timeline { stepKey status } } } }`,
          { id: runIds[i] },
        );
        status = result.data.node.status;
        if (status === 'COMPLETED') {
          const steps = result.data.node.timeline as Array<{ stepKey: string; status: string }>;
          expect(steps.filter((step) => step.stepKey === 'note')).toHaveLength(1);
        } else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe('COMPLETED');
    }
  });

  it('webhook rate limits are one budget: once A used it, B answers 429', async () => {
    // Unknown tokens share one budget per caller address (default burst 10); these servers do not
    // share a database, so that is the limit both can see. Step tokens use the same counters
    // (src/triggers/webhooks.test.ts covers them on two instances).
    const guess = (server: TestServer, i: number) =>
      fetch(`${server.url}/v1/hooks/${'g'.repeat(42)}${i % 10}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    const onA: number[] = [];
    for (let i = 0; i < 10; i++) onA.push((await guess(a, i)).status);
    expect(onA).toEqual(Array(10).fill(404));
    const onB = await guess(b, 10);
    expect(onB.status).toBe(429);
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('login throttling is shared: wrong passwords on A lock the account on B', async () => {
    const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename ... on Error { code } ... on LoginThrottledError { retryAfterSeconds } } }`;
    const codes: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await a.gql(LOGIN, { e: ADMIN.email, p: `wrong-${attempt}` }, null);
      codes.push(result.data.login.code);
    }
    expect(codes).toEqual(Array(5).fill('INVALID_CREDENTIALS'));
    const onB = await b.gql(LOGIN, { e: ADMIN.email, p: ADMIN.password }, null);
    expect(onB.data.login.__typename).toBe('LoginThrottledError');
    expect(onB.data.login.retryAfterSeconds).toBeGreaterThan(0);
  });
});
