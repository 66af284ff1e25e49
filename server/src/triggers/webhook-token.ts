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

/** How fast one key may go: a sustained rate and a burst. */
export interface RateLimits {
  /** Sustained rate. Default 30 per minute. */
  perMinute: number;
  /** Bucket size: how many may come at once after a quiet spell. Default 10. */
  burst: number;
}

export interface RateLimitOptions extends Partial<RateLimits> {
  clock?: () => number;
  /** Buckets kept at most; idle (full) buckets are dropped first. Default 10 000. */
  maxKeys?: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole requests left in the bucket after this one. */
  remaining: number;
  /** When refused: how long until one request fits (for Retry-After). */
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  ratePerMs: number;
  burst: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 30, burst: 10 };

function checkLimits(limits: RateLimits): RateLimits {
  if (!(limits.perMinute > 0) || !(limits.burst >= 1))
    throw new RangeError('perMinute must be > 0 and burst >= 1');
  return limits;
}

/**
 * Token bucket per key (a webhook token, or the client address for unknown tokens). Every key has
 * the limiter's default limits unless `take` is given its own (a webhook step's `rateLimit`).
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly defaults: RateLimits;
  private readonly clock: () => number;
  private readonly maxKeys: number;

  constructor(options: RateLimitOptions = {}) {
    this.defaults = checkLimits({
      perMinute: options.perMinute ?? DEFAULT_RATE_LIMITS.perMinute,
      burst: options.burst ?? DEFAULT_RATE_LIMITS.burst,
    });
    this.clock = options.clock ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  take(key: string, limits: Partial<RateLimits> = {}, cost = 1): RateLimitDecision {
    const now = this.clock();
    const ratePerMs = (limits.perMinute ?? this.defaults.perMinute) / 60_000;
    const burst = limits.burst ?? this.defaults.burst;
    let bucket = this.buckets.get(key);
    if (bucket) {
      // Re-insert so the map's order is least recently used first, for eviction.
      this.buckets.delete(key);
    } else {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = { tokens: burst, updatedAt: now, ratePerMs, burst };
    }
    this.buckets.set(key, bucket);
    this.refill(bucket, now);
    // Limits changed since the last call (the step was saved with others): they apply from now on.
    bucket.ratePerMs = ratePerMs;
    bucket.burst = burst;
    bucket.tokens = Math.min(bucket.tokens, burst);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterMs: Math.ceil((cost - bucket.tokens) / ratePerMs) };
  }

  /** Forgets a key, e.g. after its token was rotated. */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, now: number): void {
    // max(0, …): a clock that steps backwards must not drain the bucket.
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + elapsed * bucket.ratePerMs);
    bucket.updatedAt = now;
  }

  /** Full buckets carry no information and go first; if none are full, the least recently used goes. */
  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= bucket.burst) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
