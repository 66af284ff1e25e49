import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLimiterStore } from '../scaleout/limiter-store.js';
import { TEST_REDIS_URL, testRedisReachable, uniquePrefix } from '../scaleout/test-redis.js';
import { MemoryTriggerState } from './test-state.js';
import { WebhookTriggers, type WebhookRequest } from './webhooks.js';

const reachable = await testRedisReachable('shared webhook limit tests');

let now = new Date('2026-11-23T10:00:00Z');
const request = (body: unknown = { hello: 'world' }): WebhookRequest => ({
  method: 'POST',
  body,
  query: { source: 'doorbell' },
  headers: { 'x-signature': 'abc', authorization: 'Bearer secret', 'content-type': 'application/json' },
  client: '192.0.2.1',
});

function make(state = new MemoryTriggerState(), rateLimit = { perMinute: 60, burst: 3 }) {
  const hooks = new WebhookTriggers({ state, clock: () => now, rateLimit });
  hooks.saveFlow('f1', [{ stepKey: 'hook', includeHeaders: ['X-Signature'] }]);
  return hooks;
}

describe('webhook triggers', () => {
  it('fires with body, query and only the selected headers', async () => {
    const hooks = make();
    const { token } = hooks.issue('f1', 'hook');
    const outcome = await hooks.receive(token, request());
    expect(outcome).toEqual({
      kind: 'fire',
      fire: {
        flowId: 'f1',
        triggerStepKey: 'hook',
        triggerType: 'webhook',
        payload: {
          method: 'POST',
          body: { hello: 'world' },
          query: { source: 'doorbell' },
          headers: { 'x-signature': 'abc' },
          received_at: now.toISOString(),
        },
      },
    });
  });

  it('stores only a hash, and a restarted server still knows the token', async () => {
    const state = new MemoryTriggerState();
    const { token } = make(state).issue('f1', 'hook');
    expect(JSON.stringify([...state.values.values()])).not.toContain(token);
    expect((await make(state).receive(token, request())).kind).toBe('fire');
  });

  it('refuses unknown, malformed and inactive tokens alike', async () => {
    const hooks = make();
    const { token } = hooks.issue('f1', 'hook');
    expect((await hooks.receive('x'.repeat(43), request())).kind).toBe('not_found');
    expect((await hooks.receive('../../etc/passwd', request())).kind).toBe('not_found');
    hooks.saveFlow('f1', []); // the flow was disabled
    expect((await hooks.receive(token, request())).kind).toBe('not_found');
    hooks.saveFlow('f1', [{ stepKey: 'hook', includeHeaders: [] }]); // and enabled again: same URL
    expect((await hooks.receive(token, request())).kind).toBe('fire');
  });

  it('rotates: the old token works during the grace only', async () => {
    const hooks = make(new MemoryTriggerState(), { perMinute: 600, burst: 50 });
    const first = hooks.issue('f1', 'hook').token;
    const second = hooks.issue('f1', 'hook', 60_000);
    expect(second.previousValidUntil?.toISOString()).toBe('2026-11-23T10:01:00.000Z');
    expect((await hooks.receive(first, request())).kind).toBe('fire');
    expect((await hooks.receive(second.token, request())).kind).toBe('fire');
    now = new Date('2026-11-23T10:01:01Z');
    expect((await hooks.receive(first, request())).kind).toBe('not_found');
    expect((await hooks.receive(second.token, request())).kind).toBe('fire');
    const third = hooks.issue('f1', 'hook');
    expect((await hooks.receive(second.token, request())).kind).toBe('not_found');
    expect((await hooks.receive(third.token, request())).kind).toBe('fire');
    now = new Date('2026-11-23T10:00:00Z');
  });

  it('rate limits per URL, and guesses per client address', async () => {
    const hooks = make();
    const { token } = hooks.issue('f1', 'hook');
    const kinds = [];
    for (let i = 0; i < 4; i++) kinds.push((await hooks.receive(token, request())).kind);
    expect(kinds).toEqual(['fire', 'fire', 'fire', 'rate_limited']);
    const limited = await hooks.receive(token, request());
    expect(limited).toMatchObject({ kind: 'rate_limited' });
    expect((limited as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    const guesses = [];
    for (let i = 0; i < 4; i++) guesses.push((await hooks.receive('y'.repeat(43), request())).kind);
    expect(guesses).toEqual(['not_found', 'not_found', 'not_found', 'rate_limited']);
  });
});

// One trigger state stands in for the database the instances would share (PostgreSQL).
describe.skipIf(!reachable)('webhook triggers on two instances sharing Redis', () => {
  const clients: Redis[] = [];
  beforeAll(async () => {
    clients.push(new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL));
    // The store counts in memory until its client is ready; the instances must be really connected.
    await Promise.all(clients.map((client) => client.ping()));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('a token issued on A fires on B after reload, and A and B spend one budget', async () => {
    const state = new MemoryTriggerState();
    const prefix = uniquePrefix('webhooks');
    const instance = (client: Redis) => {
      const hooks = new WebhookTriggers({
        state,
        clock: () => now,
        rateLimit: { perMinute: 60, burst: 3 },
        limiterStore: redisLimiterStore(client, prefix),
      });
      hooks.saveFlow('f1', [{ stepKey: 'hook', includeHeaders: [] }]);
      return hooks;
    };
    const a = instance(clients[0]!);
    const b = instance(clients[1]!);
    const issued: string[] = [];
    a.onIssued((flowId, stepKey) => issued.push(`${flowId}/${stepKey}`));
    const { token } = a.issue('f1', 'hook');
    expect(issued).toEqual(['f1/hook']);
    expect((await b.receive(token, request())).kind).toBe('not_found'); // B's index is stale
    b.reload('f1', 'hook'); // what the invalidation message makes B do
    const onA = [];
    for (let i = 0; i < 3; i++) onA.push((await a.receive(token, request())).kind);
    expect(onA).toEqual(['fire', 'fire', 'fire']);
    const onB = await b.receive(token, request());
    expect(onB).toMatchObject({ kind: 'rate_limited' });
  });
});
