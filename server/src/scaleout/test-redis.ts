import { Redis } from 'ioredis';

/** The Redis the tests use; CI must have one, a laptop without it skips the Redis cases. */
export const TEST_REDIS_URL = process.env.KINFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function testRedisReachable(what: string): Promise<boolean> {
  const probe = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let reachable: boolean;
  try {
    await probe.connect();
    reachable = (await probe.ping()) === 'PONG';
  } catch {
    reachable = false;
  } finally {
    probe.disconnect();
  }
  if (!reachable && process.env.CI === 'true') throw new Error(`Redis is required in CI (${TEST_REDIS_URL})`);
  if (!reachable) console.warn(`skipping ${what}: no Redis at ${TEST_REDIS_URL}`);
  return reachable;
}

/** A key prefix no other test run uses, so runs sharing one Redis never see each other's counters. */
export const uniquePrefix = (name: string) => `kinflow-test:${name}:${process.pid}:${Date.now()}:`;
