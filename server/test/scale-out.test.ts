import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFlowOrFail } from './fixtures.js';
import { API_KEY, startTestServer, type TestServer } from './harness.js';

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
});
