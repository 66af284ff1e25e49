import type { StepContext, StepResult, StepTypeDefinition } from '../steps/step-type.js';
import { StepTimeoutError } from './errors.js';

/**
 * Calls a step's `run` with a timeout. A synchronous result skips the timer entirely (the common case
 * for conditions and logs); an async one races the timeout and the abort signal (cancel, stop), so an
 * uncooperative step cannot hold a run past either. `controller` creates the step's AbortController on
 * first use, so a synchronous step that never looks at its signal costs none.
 */
export function invokeStep(
  definition: StepTypeDefinition,
  context: StepContext<unknown>,
  controller: () => AbortController,
  timeoutMs: number,
): StepResult | Promise<StepResult> {
  const result = definition.run!(context as never);
  if (!isPromise(result)) return result;
  const abort = controller();
  return new Promise<StepResult>((resolve, reject) => {
    const signal = abort.signal;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      abort.abort(new StepTimeoutError(timeoutMs));
    }, timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    result.then(
      (value) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? signal.reason : error);
      },
    );
  });
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** Exponential backoff: base, 2×base, 4×base … capped. `retry` is 1 for the first retry. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (retry - 1));
}
