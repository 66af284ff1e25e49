import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { redisLimiterStore } from '../scaleout/limiter-store.js';
import { TEST_REDIS_URL, testRedisReachable, uniquePrefix } from '../scaleout/test-redis.js';
import { RateLimitSettingsError, WebhookRateLimiter, windowFor } from './webhook-limits.js';

const reachable = await testRedisReachable('Redis webhook limit tests');

describe('windowFor', () => {
  it('admits the burst per window of burst × 60 / perMinute seconds', () => {
    expect(windowFor({ perMinute: 30, burst: 10 })).toEqual({ points: 10, duration: 20 });
    expect(windowFor({ perMinute: 1, burst: 3 })).toEqual({ points: 3, duration: 180 });
    expect(windowFor({ perMinute: 60, burst: 3 })).toEqual({ points: 3, duration: 3 });
  });

  it('never goes below a whole second, admitting that second’s worth of the rate instead', () => {
    expect(windowFor({ perMinute: 6000, burst: 15 })).toEqual({ points: 100, duration: 1 });
    expect(windowFor({ perMinute: 600_000, burst: 1 })).toEqual({ points: 10_000, duration: 1 });
  });
});

describe('WebhookRateLimiter in memory', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-02T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows a burst, then refuses with a Retry-After until the window opens again', async () => {
    const limiter = new WebhookRateLimiter({ perMinute: 30, burst: 10 });
    const first = [];
    for (let i = 0; i < 10; i++) first.push(await limiter.take('hook'));
    expect(first.every((d) => d.allowed)).toBe(true);
    expect(first.map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const refused = await limiter.take('hook');
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 20_000 });
    vi.advanceTimersByTime(19_999);
    expect((await limiter.take('hook')).allowed).toBe(false);
    vi.advanceTimersByTime(1);
    expect((await limiter.take('hook')).allowed).toBe(true);
  });

  it('sustains the configured rate over several minutes', async () => {
    const limiter = new WebhookRateLimiter({ perMinute: 30, burst: 10 });
    let allowed = 0;
    for (let ms = 0; ms < 180_000; ms += 100) {
      if ((await limiter.take('hook')).allowed) allowed++;
      vi.advanceTimersByTime(100);
    }
    expect(allowed).toBe(90);
  });

  it('gives a key its own limits, kept apart from the defaults', async () => {
    const limiter = new WebhookRateLimiter({ perMinute: 30, burst: 2 });
    const own = { perMinute: 60, burst: 5 };
    const fast = [];
    for (let i = 0; i < 6; i++) fast.push((await limiter.take('fast', own)).allowed);
    expect(fast).toEqual([true, true, true, true, true, false]);
    const slow = [];
    for (let i = 0; i < 3; i++) slow.push((await limiter.take('slow')).allowed);
    expect(slow).toEqual([true, true, false]);
    // Saved again with other limits: a fresh window under the new ones.
    expect((await limiter.take('fast', { perMinute: 60, burst: 1 })).allowed).toBe(true);
    expect((await limiter.take('fast', { perMinute: 60, burst: 1 })).allowed).toBe(false);
  });

  it('keeps keys apart and forgets a key on reset', async () => {
    const limiter = new WebhookRateLimiter({ burst: 1 });
    expect((await limiter.take('a')).allowed).toBe(true);
    expect((await limiter.take('a')).allowed).toBe(false);
    expect((await limiter.take('b')).allowed).toBe(true);
    await limiter.reset('a');
    expect((await limiter.take('a')).allowed).toBe(true);
  });

  it('refuses limits that allow nothing or are not whole numbers, naming the field', async () => {
    expect(() => new WebhookRateLimiter({ perMinute: 0 })).toThrow(RateLimitSettingsError);
    expect(() => new WebhookRateLimiter({ burst: 0.5 })).toThrow(/burst must be a whole number/);
    expect(() => new WebhookRateLimiter({ perMinute: 600_001 })).toThrow(RangeError);
    const limiter = new WebhookRateLimiter();
    await expect(limiter.take('k', { burst: -1 })).rejects.toMatchObject({
      name: 'RateLimitSettingsError',
      field: 'burst',
      value: -1,
    });
  });
});

describe.skipIf(!reachable)('WebhookRateLimiter in Redis, shared by two instances', () => {
  let clientA: Redis;
  let clientB: Redis;
  beforeAll(async () => {
    clientA = new Redis(TEST_REDIS_URL);
    clientB = new Redis(TEST_REDIS_URL);
    await Promise.all([clientA.ping(), clientB.ping()]);
  });
  afterAll(async () => {
    await Promise.all([clientA?.quit(), clientB?.quit()]);
  });

  it('the second instance refuses once the first used the budget', async () => {
    const prefix = uniquePrefix('webhook-limits');
    const a = new WebhookRateLimiter({ perMinute: 30, burst: 3 }, redisLimiterStore(clientA, prefix));
    const b = new WebhookRateLimiter({ perMinute: 30, burst: 3 }, redisLimiterStore(clientB, prefix));
    const onA = [];
    for (let i = 0; i < 3; i++) onA.push((await a.take('hook')).allowed);
    expect(onA).toEqual([true, true, true]);
    const onB = await b.take('hook');
    expect(onB.allowed).toBe(false);
    expect(onB.retryAfterMs).toBeGreaterThan(0);
    expect(onB.retryAfterMs).toBeLessThanOrEqual(6_000);
    // Another key, and the same key under another prefix (another deployment), are untouched.
    expect((await b.take('other')).allowed).toBe(true);
    const elsewhere = new WebhookRateLimiter(
      { perMinute: 30, burst: 3 },
      redisLimiterStore(clientB, `${prefix}elsewhere:`),
    );
    expect((await elsewhere.take('hook')).allowed).toBe(true);
    await a.reset('hook');
    expect((await b.take('hook')).allowed).toBe(true);
  });

  it('counts in memory when Redis is unreachable instead of failing the request', async () => {
    const offline = new Redis(TEST_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
    const limiter = new WebhookRateLimiter(
      { perMinute: 30, burst: 2 },
      redisLimiterStore(offline, uniquePrefix('offline')),
    );
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push((await limiter.take('hook')).allowed);
    expect(decisions).toEqual([true, true, false]);
    offline.disconnect();
  });
});
