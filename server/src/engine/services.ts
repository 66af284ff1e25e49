import type { AlertLevel } from '../db/entities/index.js';
import type { StepContext } from '../steps/step-type.js';

export interface ChildRunResult {
  executionId: string;
  flowId: string;
  flowName: string;
  status: string;
  error?: { message: string; stepKey?: string; code?: string } | null;
  /** Output of each step of the child run, by key. */
  steps?: Record<string, unknown>;
}

/**
 * What the engine hands every step as `context.services` (plus whatever EngineOptions.services adds).
 * In testStep (`dryRun`) writes go nowhere and no run is started.
 */
export interface EngineServices {
  dryRun: boolean;
  variables: {
    get(scope: 'flow' | 'global', key: string): unknown;
    /** `undefined` deletes. Visible to later steps of this run at once and to other runs after commit. */
    set(scope: 'flow' | 'global', key: string, value: unknown): void;
    /** Every variable of the scope (pending writes included, `$` engine state left out), by key. */
    list(scope: 'flow' | 'global'): Array<{ key: string; value: unknown }>;
  };
  alerts: {
    raise(alert: { level: AlertLevel; message: string; nodeId?: string | null }): {
      id: string | null;
      nodeId: string | null;
    };
  };
  /** Rate limiting state for `cooldown`: true when the key may pass now (and records the pass). */
  cooldown: {
    tryPass(key: string, periodMs: number): { passed: boolean; nextAllowedAt: Date | null };
  };
  flows: {
    /**
     * Starts a child run of this run; rejects with the depth or cycle error. With `wait`, the step then
     * returns a wait `for: { executionId }` and is resumed with `{ kind: 'execution_finished', result }`.
     */
    start(input: {
      flowId?: string;
      flowName?: string;
      payload: Record<string, unknown>;
      wait?: boolean;
    }): Promise<{
      executionId: string;
      status: string;
    }>;
    /** The final result of a run started by this run, if it has finished. */
    childResult(executionId: string): ChildRunResult | undefined;
  };
  limits: { maxSleepMs: number };
  /** Sleeps in memory; rejects when the step is aborted. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export function engineServices(context: StepContext<unknown>): EngineServices {
  return context.services as EngineServices;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The visible variables of a scope from its stored and pending entries (later entries win). */
export function visibleVariables(
  entries: Iterable<{ key: string; value: unknown }>,
): Array<{ key: string; value: unknown }> {
  const latest = new Map<string, unknown>();
  for (const entry of entries) latest.set(entry.key, entry.value);
  return [...latest]
    .filter(([key, value]) => !key.startsWith('$') && value !== undefined)
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => a.key.localeCompare(b.key));
}
