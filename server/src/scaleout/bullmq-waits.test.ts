import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { harness, manual, timeline, type Harness } from '../engine/test-fixtures.js';
import {
  createBullWaitSchedulers,
  redisConnection,
  waitJobId,
  waitQueueName,
  type BullWaitSchedulers,
} from './bullmq-waits.js';

// A database of its own, so flushing it in a test touches nobody else's keys.
const REDIS_URL = process.env.KINFLOW_TEST_REDIS_URL_DB ?? 'redis://127.0.0.1:6379/7';
const prefix = `kinflow-test:${process.pid}:bull`;
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
const reachable = await redis.connect().then(
  () => true,
  () => false,
);
if (!reachable && process.env.CI === 'true') throw new Error(`Redis is required in CI (${REDIS_URL})`);
if (!reachable) console.warn(`skipping BullMQ wait tests: no Redis at ${REDIS_URL}`);
afterAll(async () => {
  if (reachable) await redis.quit();
});

let dir: string;
let schedulers: BullWaitSchedulers | undefined;
let h: Harness | undefined;
let queue: Queue | undefined;
afterEach(async () => {
  await h?.close();
  await schedulers?.close();
  await queue?.close();
  h = schedulers = queue = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function setUp() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-bullmq-'));
  // The reconciler runs only when the test asks, so what it does is seen.
  const database = path.join(dir, 'kinflow.db');
  schedulers = await createBullWaitSchedulers({
    redisUrl: REDIS_URL,
    prefix,
    database,
    reconcileMs: 3_600_000,
  });
  queue = new Queue(waitQueueName(database), { connection: redisConnection(REDIS_URL), prefix });
  h = await harness({ file: database, engine: { waitScheduler: schedulers.factory } });
  const flowId = await h.createFlow(
    'pause then log',
    [
      manual,
      { key: 'pause', type: 'wait', config: { seconds: 1 } },
      { key: 'after', type: 'log', config: { message: 'resumed' } },
    ],
    [
      ['start', 'pause'],
      ['pause', 'after'],
    ],
  );
  return { h, flowId, queue, schedulers };
}

async function waitingJob(executionId: string) {
  const jobs = await queue!.getDelayed();
  return jobs.filter((job) => (job.data as { executionId: string }).executionId === executionId);
}

describe.skipIf(!reachable)('wait timers as BullMQ delayed jobs', () => {
  it('a durable wait resumes through its delayed job, once', async () => {
    const { h, flowId } = await setUp();
    const run = await h.engine.trigger({ flowId });
    const waiting = await h.engine.quiescent(run.id);
    expect(waiting.status).toBe('waiting');
    const jobs = await waitingJob(run.id);
    expect(jobs.map((job) => job.id)).toEqual([
      waitJobId({
        executionId: run.id,
        stepRowId: waiting.waitingFor!.stepRowId as string,
        resumeAt: waiting.resumeAt!.getTime(),
      }),
    ]);
    const done = await h.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect((await timeline(h, run.id)).map((row) => `${row.key}:${row.status}`)).toEqual([
      'start:completed',
      'pause:completed',
      'after:completed',
    ]);
    expect(await waitingJob(run.id)).toEqual([]);
  });

  it('re-creates the timers Redis lost (flushed) from the armed waits, and nothing runs twice', async () => {
    const { h, flowId, schedulers } = await setUp();
    const runs = await Promise.all([1, 2, 3].map(() => h.engine.trigger({ flowId })));
    for (const run of runs) expect((await h.engine.quiescent(run.id)).status).toBe('waiting');
    await redis.flushdb();
    expect(await waitingJob(runs[0]!.id)).toEqual([]);
    expect(await schedulers.reconcile()).toBe(3);
    expect(await schedulers.reconcile()).toBe(0); // the jobs are back; nothing to re-create
    for (const run of runs) {
      const done = await h.engine.settled(run.id);
      expect(done.status).toBe('completed');
      const after = (await timeline(h, run.id)).filter((row) => row.key === 'after');
      expect(after).toHaveLength(1);
    }
  });

  it('a restart re-arms the same job instead of adding a second one', async () => {
    const { h, flowId, schedulers } = await setUp();
    const run = await h.engine.trigger({ flowId });
    await h.engine.quiescent(run.id);
    await h.engine.stop();
    expect(await waitingJob(run.id)).toHaveLength(1); // left in Redis for the next start
    const next = h.newEngine({ waitScheduler: schedulers.factory });
    await next.start();
    expect(await waitingJob(run.id)).toHaveLength(1);
    const done = await next.settled(run.id);
    expect(done.status).toBe('completed');
    expect((await timeline(h, run.id)).filter((row) => row.key === 'after')).toHaveLength(1);
    await next.stop();
  });
});
