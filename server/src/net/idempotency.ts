import { createHash } from 'node:crypto';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * The step in flight at a crash runs again, and retries send again: receivers de-duplicate on this
 * key, which is the same for every attempt of one step in one run (and per node inside
 * for_each_node) and differs between runs.
 */
export function idempotencyKey(executionId: string, stepKey: string, instance?: string): string {
  const digest = createHash('sha256')
    .update([executionId, stepKey, instance ?? ''].join('\u0000'))
    .digest('base64url');
  return `kf_${digest.slice(0, 32)}`;
}

/** Adds the key unless the step's own headers already set one (any casing). */
export function withIdempotencyKey(
  headers: Record<string, string> | undefined,
  key: string,
): Record<string, string> {
  const own = headers ?? {};
  const present = Object.keys(own).some((name) => name.toLowerCase() === IDEMPOTENCY_HEADER.toLowerCase());
  return present ? own : { ...own, [IDEMPOTENCY_HEADER]: key };
}
