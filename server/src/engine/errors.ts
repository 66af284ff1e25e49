export type EngineErrorCode =
  | 'not_found'
  | 'flow_disabled'
  | 'invalid_trigger'
  | 'nesting_limit'
  | 'cycle'
  | 'stopped'
  | 'not_waiting'
  | 'payload_too_large';

/** A refusal the caller can show as is (GraphQL maps `code` to a typed error). */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown inside a run when a step exceeds its timeout. */
export class StepTimeoutError extends Error {
  override name = 'StepTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`step timed out after ${timeoutMs} ms`);
  }
}

/** Thrown inside a run when it is cancelled or the engine parks it during stop(). */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
  constructor(readonly reason: 'cancelled' | 'stopping') {
    super(reason === 'cancelled' ? 'run cancelled' : 'engine stopping');
  }
}

export const MAX_NESTING_DEPTH = 10;

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
