import { describe, expect, it } from 'vitest';
import {
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
