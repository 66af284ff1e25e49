import { describe, expect, it } from 'vitest';
import { MemoryTriggerState } from './test-state.js';
import { WebhookTriggers, type WebhookRequest } from './webhooks.js';

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
  it('fires with body, query and only the selected headers', () => {
    const hooks = make();
    const { token } = hooks.issue('f1', 'hook');
    const outcome = hooks.receive(token, request());
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

  it('stores only a hash, and a restarted server still knows the token', () => {
    const state = new MemoryTriggerState();
    const { token } = make(state).issue('f1', 'hook');
    expect(JSON.stringify([...state.values.values()])).not.toContain(token);
    expect(make(state).receive(token, request()).kind).toBe('fire');
  });

  it('refuses unknown, malformed and inactive tokens alike', () => {
    const hooks = make();
    const { token } = hooks.issue('f1', 'hook');
    expect(hooks.receive('x'.repeat(43), request()).kind).toBe('not_found');
    expect(hooks.receive('../../etc/passwd', request()).kind).toBe('not_found');
    hooks.saveFlow('f1', []); // the flow was disabled
    expect(hooks.receive(token, request()).kind).toBe('not_found');
    hooks.saveFlow('f1', [{ stepKey: 'hook', includeHeaders: [] }]); // and enabled again: same URL
    expect(hooks.receive(token, request()).kind).toBe('fire');
  });

  it('rotates: the old token works during the grace only', () => {
    const hooks = make(new MemoryTriggerState(), { perMinute: 600, burst: 50 });
    const first = hooks.issue('f1', 'hook').token;
    const second = hooks.issue('f1', 'hook', 60_000);
    expect(second.previousValidUntil?.toISOString()).toBe('2026-11-23T10:01:00.000Z');
    expect(hooks.receive(first, request()).kind).toBe('fire');
    expect(hooks.receive(second.token, request()).kind).toBe('fire');
    now = new Date('2026-11-23T10:01:01Z');
    expect(hooks.receive(first, request()).kind).toBe('not_found');
    expect(hooks.receive(second.token, request()).kind).toBe('fire');
    const third = hooks.issue('f1', 'hook');
    expect(hooks.receive(second.token, request()).kind).toBe('not_found');
    expect(hooks.receive(third.token, request()).kind).toBe('fire');
    now = new Date('2026-11-23T10:00:00Z');
  });

  it('rate limits per URL, and guesses per client address', () => {
    const hooks = make();
    const { token } = hooks.issue('f1', 'hook');
    const kinds = Array.from({ length: 4 }, () => hooks.receive(token, request()).kind);
    expect(kinds).toEqual(['fire', 'fire', 'fire', 'rate_limited']);
    const limited = hooks.receive(token, request());
    expect(limited).toMatchObject({ kind: 'rate_limited' });
    expect((limited as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    const guesses = Array.from({ length: 4 }, () => hooks.receive('y'.repeat(43), request()).kind);
    expect(guesses).toEqual(['not_found', 'not_found', 'not_found', 'rate_limited']);
  });
});
