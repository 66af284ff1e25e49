import { openSealed } from '../crypto/sealed-config.js';
import type { StepContext, StepResult, StepTypeDefinition } from '../steps/step-type.js';
import { errorMessage, RunInterruptedError, StepTimeoutError } from './errors.js';
import { renderConfig } from './expressions/index.js';
import { passThroughPort, type SnapshotStep } from './graph.js';
import { backoffDelay, invokeStep } from './invoke.js';
import { emit, type Kernel } from './kernel.js';
import { contextVariables, mergeOutput, systemContext } from './pipeline-data.js';
import { checkRenderedConfig } from './rendered-config.js';
import { syncWaitFields, type ParkedWait, type RunState, type StepRow } from './run-state.js';
import { RunServices } from './step-services.js';
import { serializeOutput } from './truncate.js';
import type { ExecutionError, ExecutionStatus } from './types.js';
import { previousOutput, settle, takeReady, type WalkHooks } from './walker.js';

/** A step's own declared duration (sleep, request timeout) gets this much on top before it times out. */
export const DECLARED_DURATION_MARGIN_MS = 5000;

export type Resume = NonNullable<StepContext<unknown>['resume']>;
type Outcome = 'next' | 'stopped';

/** Config fields holding expressions rather than templates; they are evaluated by the step, not rendered. */
export const EXPRESSION_FIELDS = new Set(['expression']);

export interface RunnerHooks {
  /** The run reached a terminal status (already marked for the next commit). */
  finished(run: RunState): void;
  /** Nothing can run and something waits: the run is now `waiting` (marked for the next commit). */
  waiting(run: RunState): void;
  /** A step parked in a wait (marked for the next commit); the engine arms it once that is durable. */
  parked(run: RunState, wait: ParkedWait): void;
  /** The run ended while waiting for a child run: nobody wants that child's result any more. */
  abandonChild(executionId: string): void;
}

/** Walks one run's graph step by step: timeline rows, error strategies, timeouts, waits. */
export class Runner {
  readonly walk: WalkHooks;

  constructor(
    private readonly k: Kernel,
    private readonly hooks: RunnerHooks,
  ) {
    this.walk = { skipped: (run, step) => this.recordSkip(run, step) };
  }

  /**
   * Drives a run until it finishes, waits, or is parked. Never rejects. Claimed waits continue first,
   * then ready steps; a step that waits parks only its own branch, and the run is `waiting` only when
   * nothing can run and something waits.
   */
  async drive(run: RunState): Promise<void> {
    try {
      for (;;) {
        if (run.parked) return;
        if (run.cancelRequested) return this.finish(run, 'cancelled', cancelledError());
        const claimed = run.waits.find((wait) => wait.resume);
        if (claimed) {
          if ((await this.resumeWait(run, claimed)) === 'stopped') return;
          continue;
        }
        const next = takeReady(run);
        if (next !== undefined) {
          if ((await this.runStep(run, next)) === 'stopped') return;
          continue;
        }
        if (run.waits.length > 0) return this.enterWaiting(run);
        return this.finish(run, 'completed', null);
      }
    } catch (error) {
      // Only an engine bug lands here; the run must still end visibly rather than hang.
      this.k.settings.log(`engine: run ${run.id} crashed`, error);
      if (!run.parked && run.status === 'running') {
        this.finish(run, 'failed', { message: `internal error: ${errorMessage(error)}`, code: 'internal' });
      }
    }
  }

  /** Continues a step whose wait was claimed: the same timeline row, invoked with `context.resume`. */
  private resumeWait(run: RunState, wait: ParkedWait): Promise<Outcome> | Outcome {
    const k = this.k;
    run.waits.splice(run.waits.indexOf(wait), 1);
    const row = run.waitRows.get(wait.stepRowId) ?? null;
    run.waitRows.delete(wait.stepRowId);
    syncWaitFields(run);
    const resume = wait.resume!;
    if (resume.reason === 'late') (run.data.trigger as Record<string, unknown>).late = true;
    run.data.system = systemContext(k.now(), k.settings.timezone);
    k.store.markRun(run);
    const step = run.graph.index.get(wait.stepKey);
    if (step === undefined) {
      this.finish(run, 'failed', {
        message: `cannot resume: step "${wait.stepKey}" is not in the snapshot`,
        code: 'internal',
      });
      return 'stopped';
    }
    const info = {
      ...resume,
      waitingFor: { ...wait.for, stepKey: wait.stepKey, stepRowId: wait.stepRowId },
    } as Resume;
    return this.runStep(run, step, info, row);
  }

  private enterWaiting(run: RunState): void {
    run.status = 'waiting';
    syncWaitFields(run);
    this.k.store.markRun(run);
    const first = run.waits[0]!;
    emit(this.k, run, {
      kind: 'execution',
      status: 'waiting',
      stepKey: first.stepKey,
      stepType: run.graph.steps[run.graph.index.get(first.stepKey) ?? 0]?.type,
    });
    this.hooks.waiting(run);
  }

  private async runStep(
    run: RunState,
    index: number,
    resume?: Resume,
    resumedRow?: StepRow | null,
  ): Promise<Outcome> {
    const k = this.k;
    const step = run.graph.steps[index]!;
    run.currentStep = step.key;
    if (!step.enabled) return this.passThrough(run, index, step);
    const definition = k.registry.get(step.type);
    let tally = run.attempts.get(step.key);
    if (!tally) run.attempts.set(step.key, (tally = { count: 0, failures: 0 }));
    for (let first = true; ; first = false) {
      const started = k.now().getTime();
      let row: StepRow;
      if (resumedRow && first) {
        row = resumedRow;
        row.status = 'running';
        k.store.markStep(row);
      } else {
        // Attempt numbers count every earlier row of the step, also those of a process that died.
        row = k.store.newStepRow(run, step.key, step.type, ++tally.count, started);
      }
      emit(k, run, { kind: 'step', status: 'running', stepKey: step.key, stepType: step.type });
      let result: StepResult;
      try {
        if (!definition) throw new Error(`unknown step type "${step.type}"`);
        if (!definition.run) {
          if (definition.category !== 'trigger') throw new Error(`step type "${step.type}" cannot run yet`);
          result = { output: run.triggerPayload };
        } else {
          // Only the attempt that resumes sees the resume; a retry starts over (a new child run …).
          result = await this.invoke(run, index, step, first ? resume : undefined);
        }
      } catch (error) {
        if (run.parked) return 'stopped';
        const elapsed = k.now().getTime() - row.startedAt;
        if (run.cancelRequested || (error instanceof RunInterruptedError && error.reason === 'cancelled')) {
          this.closeRow(run, row, 'cancelled', elapsed, null, [], 'run cancelled');
          this.finish(run, 'cancelled', cancelledError());
          return 'stopped';
        }
        const message = error instanceof StepTimeoutError ? error.message : errorMessage(error);
        tally.failures++;
        const retry = step.onError === 'retry' && tally.failures <= step.retryAttempts;
        const skip = step.onError === 'skip';
        const ports = skip ? skipPorts(run, index, step, k) : [];
        this.closeRow(run, row, 'failed', elapsed, null, ports, message);
        if (retry) {
          const waited = await this.backoff(run, tally.failures);
          if (waited !== 'ok') return waited === 'parked' ? 'stopped' : this.cancelNow(run);
          continue;
        }
        if (skip) {
          // The step ran and failed: its timeline row says so; it is not listed as skipped.
          settle(run, index, ports, this.walk);
          k.store.markRun(run);
          return 'next';
        }
        this.finish(run, 'failed', { message, stepKey: step.key, code: errorCode(error) });
        return 'stopped';
      }
      if (run.parked) return 'stopped';
      return this.applyResult(run, index, step, row, result);
    }
  }

  private async invoke(
    run: RunState,
    index: number,
    step: SnapshotStep,
    resume?: Resume,
  ): Promise<StepResult> {
    const k = this.k;
    const definition = k.registry.get(step.type)!;
    let controller: AbortController | undefined;
    const abortController = () => {
      if (!controller) {
        controller = new AbortController();
        run.stepAbort = controller;
      }
      return controller;
    };
    try {
      const last = previousOutput(run, index);
      // Secrets are opened only here, for this attempt; the snapshot and timeline keep them sealed.
      const stepConfig = k.settings.secrets ? openSealed(step.config, k.settings.secrets) : step.config;
      let config = renderStepConfig(
        stepConfig,
        run.data,
        contextVariables(run.data, last),
        unrenderedFields(definition),
      );
      // Rendering may have produced values of another type than the schema allows; only then check.
      if (config !== step.config) config = checkRenderedConfig(definition, config);
      const context: StepContext<unknown> = {
        config,
        data: run.data,
        step: { key: step.key, type: step.type, label: step.label, onError: step.onError },
        execution: { id: run.id, flowId: run.flowId, flowName: run.flowName, depth: run.depth },
        get signal() {
          return abortController().signal;
        },
        services: new RunServices(k, run, step.key),
        last,
        ...(resume && { resume }),
        now: () => k.now(),
      };
      return await invokeStep(
        definition,
        context,
        abortController,
        effectiveTimeout(definition, step, run, config),
      );
    } finally {
      run.stepAbort = null;
    }
  }

  private applyResult(
    run: RunState,
    index: number,
    step: SnapshotStep,
    row: StepRow,
    result: StepResult,
  ): Outcome {
    const k = this.k;
    const elapsed = k.now().getTime() - row.startedAt;
    if (result.cooloff) run.cooloffConsumed = true;
    if (result.wait) {
      if (run.cancelRequested) {
        this.closeRow(run, row, 'cancelled', elapsed, null, [], 'run cancelled');
        this.finish(run, 'cancelled', cancelledError());
        return 'stopped';
      }
      this.closeRow(run, row, 'waiting', elapsed, result.output, [], null);
      const wait: ParkedWait = {
        stepKey: step.key,
        stepRowId: row.id,
        until: result.wait.until.getTime(),
        for: { ...result.wait.for },
      };
      run.waits.push(wait);
      run.waitRows.set(row.id, row);
      run.expectingChild = null;
      if (run.earlyEvent) {
        // The event (a fast child's result) arrived while this step ran: it ends this wait.
        const { event, resolve } = run.earlyEvent;
        run.earlyEvent = null;
        wait.resume = { reason: 'event', event };
        k.store.afterNextCommit(() => resolve(true));
      }
      syncWaitFields(run);
      k.store.markRun(run);
      if (!wait.resume) this.hooks.parked(run, wait);
      // Only this branch waits; the walk goes on with every other ready step.
      return 'next';
    }
    run.expectingChild = null;
    if (run.earlyEvent) {
      // The event was meant for a wait this step did not enter.
      run.earlyEvent.resolve(false);
      run.earlyEvent = null;
    }
    const output = result.output ?? {};
    const ports = result.ports ?? ['main'];
    mergeOutput(run.data, step.key, output);
    run.completed.push(step.key);
    this.closeRow(run, row, 'completed', elapsed, output, ports, null);
    settle(run, index, ports, this.walk);
    k.store.markRun(run);
    if (result.continue === false) {
      this.finish(run, 'completed', null);
      return 'stopped';
    }
    return 'next';
  }

  /** A disabled step does not run: it is recorded as skipped and passes the run on through its first port. */
  private passThrough(run: RunState, index: number, step: SnapshotStep): Outcome {
    const port = passThroughPort(step.type, this.k.registry);
    const ports = port ? [port] : [];
    const row = this.k.store.newStepRow(run, step.key, step.type, 1, this.k.now().getTime());
    this.closeRow(run, row, 'skipped', 0, null, ports, null);
    run.skipped.push(step.key);
    settle(run, index, ports, this.walk);
    this.k.store.markRun(run);
    return 'next';
  }

  private recordSkip(run: RunState, index: number): void {
    const step = run.graph.steps[index]!;
    const row = this.k.store.newStepRow(run, step.key, step.type, 1, this.k.now().getTime());
    this.closeRow(run, row, 'skipped', 0, null, [], null);
    run.skipped.push(step.key);
  }

  closeRow(
    run: RunState,
    row: StepRow,
    status: StepRow['status'],
    elapsedMs: number,
    output: unknown,
    ports: string[],
    error: string | null,
  ): void {
    row.status = status;
    row.elapsedMs = elapsedMs;
    row.outputJson = serializeOutput(output ?? undefined);
    row.ports = ports;
    row.error = error;
    this.k.store.markStep(row);
    emit(this.k, run, {
      kind: 'step',
      status,
      stepKey: row.stepKey,
      stepType: row.stepType,
      ports,
      elapsedMs,
      ...(error !== null && { error }),
    });
  }

  private async backoff(run: RunState, attempt: number): Promise<'ok' | 'cancelled' | 'parked'> {
    const { retryBaseDelayMs, retryMaxDelayMs, delay } = this.k.settings;
    const controller = new AbortController();
    run.stepAbort = controller;
    try {
      await delay(backoffDelay(attempt, retryBaseDelayMs, retryMaxDelayMs), controller.signal);
    } catch {
      // Aborted: by cancel or by stop().
    } finally {
      run.stepAbort = null;
    }
    if (run.parked) return 'parked';
    return run.cancelRequested ? 'cancelled' : 'ok';
  }

  private cancelNow(run: RunState): Outcome {
    this.finish(run, 'cancelled', cancelledError());
    return 'stopped';
  }

  finish(run: RunState, status: ExecutionStatus, error: ExecutionError | null): void {
    if (run.finishedAt !== null) return; // a run ends once, whoever noticed first
    const now = this.k.now().getTime();
    run.status = status;
    run.error = error;
    run.finishedAt = now;
    run.durationMs = now - (run.startedAt ?? run.createdAt);
    for (const wait of run.waits.splice(0)) {
      // A branch still parked when the run ends (another branch failed, a cancel) ends with it.
      const row = run.waitRows.get(wait.stepRowId);
      if (row) this.closeRow(run, row, 'cancelled', now - row.startedAt, null, [], `run ${status}`);
      if (typeof wait.for.executionId === 'string') this.hooks.abandonChild(wait.for.executionId);
    }
    if (run.expectingChild) this.hooks.abandonChild(run.expectingChild);
    run.expectingChild = null;
    run.waitRows.clear();
    run.resumeAt = null;
    run.waitingFor = null;
    if (status === 'completed') run.currentStep = null;
    this.k.store.markRun(run);
    emit(this.k, run, {
      kind: 'execution',
      status,
      elapsedMs: run.durationMs,
      ...(error && { error: error.message }),
      ...(error?.stepKey && { stepKey: error.stepKey }),
    });
    this.hooks.finished(run);
  }
}

/** Fields `run` gets as written: the type renders them itself, or they are not templates at all. */
export function unrenderedFields(definition: {
  deferredFields?: string[];
  verbatimFields?: string[];
}): string[] {
  return [...(definition.deferredFields ?? []), ...(definition.verbatimFields ?? [])];
}

export function renderStepConfig(
  config: Record<string, unknown>,
  data: Record<string, unknown>,
  context: Record<string, unknown>,
  deferredFields: readonly string[] = [],
): Record<string, unknown> {
  let raw: Record<string, unknown> | undefined;
  let templated: Record<string, unknown> = config;
  for (const field of [...EXPRESSION_FIELDS, ...deferredFields]) {
    if (field in config) {
      raw ??= {};
      raw[field] = config[field];
      if (templated === config) templated = { ...config };
      delete templated[field];
    }
  }
  const rendered = renderConfig(templated, data, context) as Record<string, unknown>;
  // Nothing rendered: the same object, so callers can tell (and skip re-checking it).
  if (rendered === templated) return config;
  return raw ? { ...rendered, ...raw } : rendered;
}

/**
 * Where `onError: skip` continues: the type's `error` port when an edge leaves it (the flow handles
 * the failure), otherwise `main` (the Flows seed: skip means carry on), otherwise nowhere.
 */
function skipPorts(run: RunState, index: number, step: SnapshotStep, k: Kernel): string[] {
  const ports = k.registry.get(step.type)?.ports ?? [];
  const graph = run.graph;
  const errorWired = graph.outgoing[index]!.some((edge) => graph.edgePort[edge] === 'error');
  if (errorWired && ports.some((port) => port.name === 'error')) return ['error'];
  return ports.some((port) => port.name === 'main') ? ['main'] : [];
}

function errorCode(error: unknown): string {
  if (error instanceof StepTimeoutError) return 'timeout';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'step_failed';
}

function cancelledError(): ExecutionError {
  return { message: 'run cancelled', code: 'cancelled' };
}

/**
 * The step's timeout (its own, else the flow's default), never shorter than what its config declares it
 * may take plus a margin: a 35 s sleep or a 60 s request timeout is not cut off by a 30 s default.
 */
export function effectiveTimeout(
  definition: StepTypeDefinition,
  step: SnapshotStep,
  run: { graph: { snapshot: { defaultStepTimeoutMs: number } } },
  config: unknown,
): number {
  const base = step.timeoutMs ?? run.graph.snapshot.defaultStepTimeoutMs;
  const declared = definition.declaredDurationMs?.(config as never) ?? 0;
  return declared > 0 ? Math.max(base, declared + DECLARED_DURATION_MARGIN_MS) : base;
}
