import type { RateLimiterRes } from 'rate-limiter-flexible';
import { memoryLimiterStore, type LimiterStore } from '../scaleout/limiter-store.js';

/**
 * Wrong passwords are counted per account+address, per account and per address (rate-limiter-flexible's
 * brute-force recipe). Once a counter is spent, sign-in answers "try again in N seconds" without
 * checking the password, so guessing costs time rather than CPU. A success clears the account+address
 * counter. The counters live where the store keeps them: in this process, or in Redis (REDIS_URL) so
 * that spreading guesses over several instances gains nothing.
 */
export const LOGIN_LIMITS = {
  accountAndAddress: { points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  account: { points: 20, duration: 60 * 60, blockDuration: 15 * 60 },
  address: { points: 100, duration: 24 * 60 * 60, blockDuration: 60 * 60 },
} as const;

export class LoginThrottle {
  private readonly accountAndAddress;
  private readonly account;
  private readonly address;

  constructor(store: LimiterStore = memoryLimiterStore()) {
    this.accountAndAddress = store.limiter('login:account-address', LOGIN_LIMITS.accountAndAddress);
    this.account = store.limiter('login:account', LOGIN_LIMITS.account);
    this.address = store.limiter('login:address', LOGIN_LIMITS.address);
  }

  private keys(email: string, address: string | null) {
    const account = email.trim().toLowerCase();
    const from = address ?? 'unknown';
    return [
      [this.accountAndAddress, `${account}|${from}`, LOGIN_LIMITS.accountAndAddress.points],
      [this.account, account, LOGIN_LIMITS.account.points],
      [this.address, from, LOGIN_LIMITS.address.points],
    ] as const;
  }

  /** Milliseconds until this account may try again from this address; 0 when it may now. */
  async retryAfterMs(email: string, address: string | null): Promise<number> {
    const states = await Promise.all(
      this.keys(email, address).map(async ([limiter, key, points]) => {
        const state: RateLimiterRes | null = await limiter.get(key);
        return state && state.consumedPoints >= points ? Math.max(state.msBeforeNext, 1) : 0;
      }),
    );
    return Math.max(0, ...states);
  }

  async failed(email: string, address: string | null): Promise<void> {
    // consume() rejects once a counter is spent, which is the point; a store failure must not turn a
    // wrong password into a server error either (the Redis store already falls back to memory).
    await Promise.allSettled(this.keys(email, address).map(([limiter, key]) => limiter.consume(key)));
  }

  async succeeded(email: string, address: string | null): Promise<void> {
    const [[limiter, key]] = this.keys(email, address);
    await limiter.delete(key);
  }
}
