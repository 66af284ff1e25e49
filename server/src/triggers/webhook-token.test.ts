import { describe, expect, it } from 'vitest';
import {
  TokenBucketLimiter,
  generateWebhookToken,
  hashWebhookToken,
  isWellFormedWebhookToken,
  rotateWebhookToken,
  verifyWebhookSecret,
  verifyWebhookToken,
} from './webhook-token.js';

describe('webhook tokens', () => {
  it('are 32 random bytes as 43 base64url characters, all different', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateWebhookToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('are stored as a hash and verified against it', () => {
    const token = generateWebhookToken();
    const hash = hashWebhookToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
    expect(verifyWebhookToken(token, hash)).toBe(true);
    expect(verifyWebhookToken(generateWebhookToken(), hash)).toBe(false);
    expect(verifyWebhookToken(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), hash)).toBe(false);
  });

  it('reject malformed tokens and malformed stored hashes without throwing', () => {
    const token = generateWebhookToken();
    expect(isWellFormedWebhookToken('short')).toBe(false);
    expect(isWellFormedWebhookToken(token + '=')).toBe(false);
    expect(isWellFormedWebhookToken(42)).toBe(false);
    expect(verifyWebhookToken('../../etc/passwd', hashWebhookToken(token))).toBe(false);
    expect(verifyWebhookToken(token, 'abc')).toBe(false);
  });

  it('with a pepper, the hash differs and only the same pepper verifies', () => {
    const token = generateWebhookToken();
    const hash = hashWebhookToken(token, 'server-secret');
    expect(hash).not.toBe(hashWebhookToken(token));
    expect(verifyWebhookToken(token, hash, 'server-secret')).toBe(true);
    expect(verifyWebhookToken(token, hash)).toBe(false);
  });

  it('rotation: the new token works at once, the old one only during the grace period', () => {
    const old = generateWebhookToken();
    const now = new Date('2026-01-01T00:00:00Z');
    const { token, secret } = rotateWebhookToken({ hash: hashWebhookToken(old) }, now, 60_000);
    expect(token).not.toBe(old);
    expect(verifyWebhookSecret(token, secret, now)).toBe(true);
    expect(verifyWebhookSecret(old, secret, new Date(now.getTime() + 59_000))).toBe(true);
    expect(verifyWebhookSecret(old, secret, new Date(now.getTime() + 60_000))).toBe(false);
    const immediate = rotateWebhookToken({ hash: hashWebhookToken(old) }, now);
    expect(verifyWebhookSecret(old, immediate.secret, now)).toBe(false);
  });
});

describe('TokenBucketLimiter', () => {
  function limiter(options: { perMinute?: number; burst?: number; maxKeys?: number } = {}) {
    let now = 1_000_000;
    const l = new TokenBucketLimiter({ ...options, clock: () => now });
    return { l, advance: (ms: number) => (now += ms) };
  }

  it('allows a burst, then refuses with a Retry-After until the bucket refills', () => {
    const { l, advance } = limiter({ perMinute: 30, burst: 10 });
    const first = Array.from({ length: 10 }, () => l.take('hook'));
    expect(first.every((d) => d.allowed)).toBe(true);
    expect(first.map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const refused = l.take('hook');
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 2000 }); // 30/min = one per 2 s
    advance(1999);
    expect(l.take('hook').allowed).toBe(false);
    advance(1);
    expect(l.take('hook').allowed).toBe(true);
    expect(l.take('hook').allowed).toBe(false);
  });

  it('sustains the configured rate over a minute', () => {
    const { l, advance } = limiter({ perMinute: 30, burst: 10 });
    let allowed = 0;
    for (let ms = 0; ms < 60_000; ms += 100) {
      if (l.take('hook').allowed) allowed++;
      advance(100);
    }
    expect(allowed).toBe(10 + 30 - 1); // the burst, plus the refill over 59.9 s
  });

  it('gives a key its own limits when asked, and applies changed limits from then on', () => {
    const { l, advance } = limiter({ perMinute: 30, burst: 2 });
    const fast = { perMinute: 600, burst: 5 };
    expect(Array.from({ length: 6 }, () => l.take('fast', fast).allowed)).toEqual([
      ...Array(5).fill(true),
      false,
    ]);
    expect(l.take('fast', fast).retryAfterMs).toBe(100); // 600/min = one per 100 ms
    expect([l.take('slow'), l.take('slow'), l.take('slow')].map((d) => d.allowed)).toEqual([
      true,
      true,
      false,
    ]);
    advance(60_000);
    // Saved again with a smaller burst: a full bucket holds no more than the new burst.
    expect(Array.from({ length: 3 }, () => l.take('fast', { burst: 2 }).allowed)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('refuses limits that allow nothing', () => {
    expect(() => new TokenBucketLimiter({ perMinute: 0 })).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ burst: 0 })).toThrow(RangeError);
  });

  it('keeps keys apart', () => {
    const { l } = limiter({ burst: 1 });
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
    expect(l.take('b').allowed).toBe(true);
    l.reset('a');
    expect(l.take('a').allowed).toBe(true);
  });

  it('never refills past the burst, and a clock stepping back does not drain it', () => {
    const { l, advance } = limiter({ perMinute: 60, burst: 2 });
    advance(3600_000);
    expect([l.take('k'), l.take('k'), l.take('k')].map((d) => d.allowed)).toEqual([true, true, false]);
    advance(-10_000); // e.g. an NTP correction
    expect(l.take('k').allowed).toBe(false);
    advance(1000); // refilling resumes from the corrected time, not 10 s later
    expect(l.take('k').allowed).toBe(true);
  });

  it('bounds memory: idle buckets go first, then the least recently used', () => {
    const { l, advance } = limiter({ perMinute: 60, burst: 1, maxKeys: 3 });
    l.take('a');
    l.take('b');
    l.take('c');
    l.take('a'); // refused, but touched: "a" is now the most recent
    l.take('d'); // nothing idle: evicts "b", the least recently used
    expect(l.size).toBe(3);
    expect(l.take('a').allowed).toBe(false); // still limited, not forgotten
    advance(5000);
    l.take('e'); // everything has refilled: idle buckets are dropped
    expect(l.size).toBeLessThanOrEqual(3);
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new TokenBucketLimiter({ perMinute: 0 })).toThrow(RangeError);
  });
});
