import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

/** What a counter needs: rate-limiter-flexible's points per duration (seconds), optional block. */
export type LimiterOptions = Pick<IRateLimiterOptions, 'points' | 'duration' | 'blockDuration'>;

/**
 * Where rate-limit counters live (rate-limiter-flexible). Without REDIS_URL: in this process. With it:
 * in Redis, so every instance spends the same budget; should Redis be unreachable, each instance
 * falls back to its own in-memory counters (the limiter's insurance) instead of refusing or failing.
 */
export interface LimiterStore {
  /** `name` separates the counters of different limits (webhooks, login) under one prefix. */
  limiter(name: string, options: LimiterOptions): RateLimiterAbstract;
  readonly shared: boolean;
  close(): Promise<void>;
}

export interface LimiterStoreOptions {
  /** redis://… ; unset keeps the counters in this process. */
  redisUrl?: string;
  /** Prefix of every Redis key (KINFLOW_REDIS_PREFIX), so deployments can share one Redis. */
  prefix?: string;
}

export function memoryLimiterStore(prefix = 'kinflow:'): LimiterStore {
  return {
    shared: false,
    limiter: (name, options) => new RateLimiterMemory({ ...options, keyPrefix: `${prefix}rl:${name}` }),
    close: async () => {},
  };
}

export async function createLimiterStore(options: LimiterStoreOptions = {}): Promise<LimiterStore> {
  const prefix = options.prefix ?? 'kinflow:';
  if (!options.redisUrl) return memoryLimiterStore(prefix);
  // ioredis is loaded only when Redis is configured (start-up time).
  const { Redis } = await import('ioredis');
  const client = new Redis(options.redisUrl, {
    lazyConnect: true,
    // A limiter must answer now: while Redis is away the insurance limiter counts instead of
    // commands queueing up behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  // ioredis reports connection errors as events; reconnects are its own business.
  client.on('error', () => undefined);
  await client.connect();
  return redisLimiterStore(client, prefix, async () => {
    await client.quit().catch(() => client.disconnect());
  });
}

/** Counters in Redis on a client someone else owns (tests); `close` is what ending the store does. */
export function redisLimiterStore(
  client: Redis,
  prefix: string,
  close: () => Promise<void> = async () => {},
): LimiterStore {
  return {
    shared: true,
    limiter: (name, options) => {
      const keyPrefix = `${prefix}rl:${name}`;
      return new RateLimiterRedis({
        ...options,
        storeClient: client,
        keyPrefix,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ ...options, keyPrefix }),
      });
    },
    close,
  };
}
