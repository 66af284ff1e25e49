import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Wrong passwords are counted per account+address, per account and per address (rate-limiter-flexible's
 * brute-force recipe). Once a counter is spent, sign-in answers "try again in N seconds" without
 * checking the password, so guessing costs time rather than CPU. A success clears the account+address
 * counter. In memory: per instance until the scale-out work moves it to Redis (RateLimiterRedis).
 */
export const LOGIN_LIMITS = {
  accountAndAddress: { points: 5, duration: 15 * 60, blockDuration: 15 * 60 },
  account: { points: 20, duration: 60 * 60, blockDuration: 15 * 60 },
  address: { points: 100, duration: 24 * 60 * 60, blockDuration: 60 * 60 },
} as const;

export class LoginThrottle {
  private readonly accountAndAddress = new RateLimiterMemory(LOGIN_LIMITS.accountAndAddress);
  private readonly account = new RateLimiterMemory(LOGIN_LIMITS.account);
  private readonly address = new RateLimiterMemory(LOGIN_LIMITS.address);

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
    let wait = 0;
    for (const [limiter, key, points] of this.keys(email, address)) {
      const state: RateLimiterRes | null = await limiter.get(key);
      if (state && state.consumedPoints >= points) wait = Math.max(wait, state.msBeforeNext, 1);
    }
    return wait;
  }

  async failed(email: string, address: string | null): Promise<void> {
    await Promise.allSettled(this.keys(email, address).map(([limiter, key]) => limiter.consume(key)));
  }

  async succeeded(email: string, address: string | null): Promise<void> {
    const [[limiter, key]] = this.keys(email, address);
    await limiter.delete(key);
  }
}
