import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: 256 bits, far beyond guessing, as 43 URL-safe characters (POST /v1/hooks/<token>). */
export const WEBHOOK_TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateWebhookToken(): string {
  return randomBytes(WEBHOOK_TOKEN_BYTES).toString('base64url');
}

/** Cheap shape check, so garbage paths are turned away before any hashing or lookup. */
export function isWellFormedWebhookToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_PATTERN.test(token);
}

/**
 * What is stored instead of the token (hex SHA-256, or HMAC-SHA-256 with a server-side pepper). A fast
 * hash is right here: the token is 256 random bits, so there is nothing for a slow password hash to
 * protect against, and a webhook lookup must be cheap. Stored hashes can be looked up by equality.
 */
export function hashWebhookToken(token: string, pepper?: string): string {
  return pepper
    ? createHmac('sha256', pepper).update(token).digest('hex')
    : createHash('sha256').update(token).digest('hex');
}

/** Constant-time check of a presented token against a stored hash. */
export function verifyWebhookToken(token: string, storedHash: string, pepper?: string): boolean {
  if (!isWellFormedWebhookToken(token)) return false;
  const presented = Buffer.from(hashWebhookToken(token, pepper), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  // Both are SHA-256 digests; a length mismatch only means a malformed stored hash.
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export interface WebhookSecret {
  hash: string;
  /** After a rotation the previous token keeps working until this time, so senders can be updated. */
  previousHash?: string;
  previousValidUntil?: Date;
}

/** A new token; the old one stays valid for `graceMs` (default 0: revoked at once). */
export function rotateWebhookToken(
  current: WebhookSecret,
  now: Date,
  graceMs = 0,
  pepper?: string,
): { token: string; secret: WebhookSecret } {
  const token = generateWebhookToken();
  const secret: WebhookSecret = { hash: hashWebhookToken(token, pepper) };
  if (graceMs > 0) {
    secret.previousHash = current.hash;
    secret.previousValidUntil = new Date(now.getTime() + graceMs);
  }
  return { token, secret };
}

export function verifyWebhookSecret(
  token: string,
  secret: WebhookSecret,
  now: Date,
  pepper?: string,
): boolean {
  // Evaluate both checks every time so the answer's timing does not reveal which one matched.
  const current = verifyWebhookToken(token, secret.hash, pepper);
  const previous =
    !!secret.previousHash &&
    !!secret.previousValidUntil &&
    now < secret.previousValidUntil &&
    verifyWebhookToken(token, secret.previousHash, pepper);
  return current || previous;
}
