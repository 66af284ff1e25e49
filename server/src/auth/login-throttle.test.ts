import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLimiterStore } from '../scaleout/limiter-store.js';
import { TEST_REDIS_URL, testRedisReachable, uniquePrefix } from '../scaleout/test-redis.js';
import { LOGIN_LIMITS, LoginThrottle } from './login-throttle.js';

const reachable = await testRedisReachable('shared login throttle tests');

async function fail(throttle: LoginThrottle, times: number, email: string, address: string) {
  for (let i = 0; i < times; i++) await throttle.failed(email, address);
}

describe('LoginThrottle in memory', () => {
  it('locks an account+address after five failures; a success before that clears the count', async () => {
    const throttle = new LoginThrottle();
    await fail(throttle, LOGIN_LIMITS.accountAndAddress.points - 1, 'Ann@Example.test', '192.0.2.1');
    expect(await throttle.retryAfterMs('ann@example.test', '192.0.2.1')).toBe(0);
    await throttle.succeeded('ann@example.test', '192.0.2.1');
    await fail(throttle, LOGIN_LIMITS.accountAndAddress.points - 1, 'ann@example.test', '192.0.2.1');
    expect(await throttle.retryAfterMs('ann@example.test', '192.0.2.1')).toBe(0);
    await fail(throttle, 1, 'ann@example.test', '192.0.2.1');
    expect(await throttle.retryAfterMs('ann@example.test', '192.0.2.1')).toBeGreaterThan(0);
    expect(await throttle.retryAfterMs('ann@example.test', '192.0.2.2')).toBe(0);
    expect(await throttle.retryAfterMs('bob@example.test', '192.0.2.1')).toBe(0);
  });
});

describe.skipIf(!reachable)('LoginThrottle in Redis, shared by two instances', () => {
  const clients: Redis[] = [];
  beforeAll(async () => {
    clients.push(new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL));
    // The store counts in memory until its client is ready; the instances must be really connected.
    await Promise.all(clients.map((client) => client.ping()));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('failures on A lock the account on B; a success on B clears what A counted', async () => {
    const prefix = uniquePrefix('login');
    const a = new LoginThrottle(redisLimiterStore(clients[0]!, prefix));
    const b = new LoginThrottle(redisLimiterStore(clients[1]!, prefix));
    await fail(a, LOGIN_LIMITS.accountAndAddress.points - 1, 'ann@example.test', '192.0.2.1');
    await b.succeeded('ann@example.test', '192.0.2.1');
    await fail(a, LOGIN_LIMITS.accountAndAddress.points - 1, 'ann@example.test', '192.0.2.1');
    expect(await b.retryAfterMs('ann@example.test', '192.0.2.1')).toBe(0);
    await fail(a, 1, 'ann@example.test', '192.0.2.1');
    const wait = await b.retryAfterMs('ann@example.test', '192.0.2.1');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(LOGIN_LIMITS.accountAndAddress.blockDuration * 1000);
    // The per-account counter is shared too: spread over addresses and instances, it still fills.
    for (let i = 0; i < LOGIN_LIMITS.account.points; i++)
      await (i % 2 ? a : b).failed('carl@example.test', `198.51.100.${i}`);
    expect(await a.retryAfterMs('carl@example.test', '203.0.113.9')).toBeGreaterThan(0);
  });
});
