import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiterStore, type LimiterStore } from '../scaleout/limiter-store.js';

/** How fast one webhook URL may go: a sustained rate and a burst. */
export interface RateLimits {
  /** Sustained rate. Default 30 per minute. */
  perMinute: number;
  /** How many may come at once after a quiet spell. Default 10. */
  burst: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 30, burst: 10 };

/** Upper bounds shared with the webhook step's config schema. */
export const RATE_LIMIT_BOUNDS = { perMinute: 600_000, burst: 10_000 } as const;

/** A limit that would allow nothing, or is not a whole number within bounds. */
export class RateLimitSettingsError extends RangeError {
  override name = 'RateLimitSettingsError';
  constructor(
    readonly field: keyof RateLimits,
    readonly value: unknown,
  ) {
    super(`${field} must be a whole number from 1 to ${RATE_LIMIT_BOUNDS[field]}, got ${String(value)}`);
  }
}

export function checkRateLimits(limits: RateLimits): RateLimits {
  for (const field of ['perMinute', 'burst'] as const) {
    const value = limits[field];
    if (!Number.isInteger(value) || value < 1 || value > RATE_LIMIT_BOUNDS[field])
      throw new RateLimitSettingsError(field, value);
  }
  return limits;
}

/**
 * rate-limiter-flexible counts in fixed windows of whole seconds (Redis expiries are in seconds).
 * A window of burst × 60 / perMinute seconds admits `burst` requests, so the sustained rate is the
 * configured one; when that window is shorter than a second it is one second and admits a
 * second's worth of the rate instead.
 */
export function windowFor(limits: RateLimits): { points: number; duration: number } {
  const duration = Math.max(1, Math.ceil((limits.burst * 60) / limits.perMinute));
  return { duration, points: Math.max(limits.burst, Math.round((limits.perMinute * duration) / 60)) };
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Requests left in the current window after this one. */
  remaining: number;
  /** When refused: how long until the window opens again (for Retry-After). */
  retryAfterMs: number;
}

/**
 * Rate limits per key (a webhook step, or the client address for unknown tokens). A key has the
 * default limits unless `take` is given its own (a webhook step's `rateLimit`). Counters of
 * different limits are kept apart, so saving a step with new limits starts it on a fresh window.
 */
export class WebhookRateLimiter {
  private readonly defaults: RateLimits;
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    defaults: Partial<RateLimits> = {},
    private readonly store: LimiterStore = memoryLimiterStore(),
  ) {
    this.defaults = checkRateLimits({ ...DEFAULT_RATE_LIMITS, ...defaults });
  }

  async take(key: string, limits: Partial<RateLimits> = {}): Promise<RateLimitDecision> {
    try {
      const res = await this.limiterFor(limits).consume(key);
      return { allowed: true, remaining: res.remainingPoints, retryAfterMs: 0 };
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, refusal.msBeforeNext) };
    }
  }

  /** Forgets a key, e.g. after its token was rotated. */
  async reset(key: string, limits: Partial<RateLimits> = {}): Promise<void> {
    await this.limiterFor(limits).delete(key);
  }

  private limiterFor(own: Partial<RateLimits>): RateLimiterAbstract {
    const limits = { ...this.defaults, ...own };
    const name = `webhook:${limits.perMinute}:${limits.burst}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = this.store.limiter(name, windowFor(checkRateLimits(limits)));
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
