import type { StepContext, StepResult } from '../steps/step-type.js';
import { errorMessage, RunInterruptedError, StepTimeoutError } from './errors.js';
import { renderConfig } from './expressions/index.js';
import { passThroughPort, type SnapshotStep } from './graph.js';
import { backoffDelay, invokeStep } from './invoke.js';
import { emit, type Kernel } from './kernel.js';
import { contextVariables, mergeOutput } from './pipeline-data.js';
import type { RunState, StepRow } from './run-state.js';
import { RunServices } from './step-services.js';
import { serializeOutput } from './truncate.js';
import type { ExecutionError, ExecutionStatus } from './types.js';
import { previousOutput, settle, takeReady, type WalkHooks } from './walker.js';

export type Resume = NonNullable<StepContext<unknown>['resume']>;
type Outcome = 'next' | 'stopped';

/** Config fields holding expressions rather than templates; they are evaluated by the step, not rendered. */
export const EXPRESSION_FIELDS = new Set(['expression']);

export interface RunnerHooks {
  /** The run reached a terminal status (already marked for the next commit). */
  finished(run: RunState): void;
  /** The run is now `waiting` (marked for the next commit); the engine makes it durable, then arms it. */
  waiting(run: RunState): void;
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

  /** Drives a run until it finishes, waits, or is parked. Never rejects. */
  async drive(run: RunState, resume?: { step: number; info: Resume; row: StepRow | null }): Promise<void> {
    try {
      if (resume && (await this.runStep(run, resume.step, resume.info, resume.row)) === 'stopped') return;
      for (;;) {
        if (run.parked) return;
        if (run.cancelRequested) return this.finish(run, 'cancelled', cancelledError());
        const next = takeReady(run);
        if (next === undefined) return this.finish(run, 'completed', null);
        if ((await this.runStep(run, next)) === 'stopped') return;
      }
    } catch (error) {
      // Only an engine bug lands here; the run must still end visibly rather than hang.
      this.k.settings.log(`engine: run ${run.id} crashed`, error);
      if (!run.parked && run.status === 'running') {
        this.finish(run, 'failed', { message: `internal error: ${errorMessage(error)}`, code: 'internal' });
      }
    }
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
    for (let attempt = 1; ; attempt++) {
      const started = k.now().getTime();
      let row: StepRow;
      if (resumedRow && attempt === 1) {
        row = resumedRow;
        row.status = 'running';
        k.store.markStep(row);
      } else {
        row = k.store.newStepRow(run, step.key, step.type, attempt, started);
      }
      emit(k, run, { kind: 'step', status: 'running', stepKey: step.key, stepType: step.type });
      let result: StepResult;
      try {
        if (!definition) throw new Error(`unknown step type "${step.type}"`);
        if (!definition.run) {
          if (definition.category !== 'trigger') throw new Error(`step type "${step.type}" cannot run yet`);
          result = { output: run.triggerPayload };
        } else {
          result = await this.invoke(run, index, step, resume);
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
        const retry = step.onError === 'retry' && attempt <= step.retryAttempts;
        const skip = step.onError === 'skip';
        const ports = skip ? skipPorts(run, index, step, k) : [];
        this.closeRow(run, row, 'failed', elapsed, null, ports, message);
        if (retry) {
          const waited = await this.backoff(run, attempt);
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
      const config = renderStepConfig(
        step.config,
        run.data,
        contextVariables(run.data, previousOutput(run, index)),
        definition.deferredFields,
      );
      const context: StepContext<unknown> = {
        config,
        data: run.data,
        step: { key: step.key, type: step.type, label: step.label, onError: step.onError },
        execution: { id: run.id, flowId: run.flowId, flowName: run.flowName, depth: run.depth },
        get signal() {
          return abortController().signal;
        },
        services: new RunServices(k, run, step.key),
        ...(resume && { resume }),
        now: () => k.now(),
      };
      const timeout = step.timeoutMs ?? run.graph.snapshot.defaultStepTimeoutMs;
      return await invokeStep(definition, context, abortController, timeout);
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
      run.waitingRow = row;
      run.status = 'waiting';
      run.resumeAt = result.wait.until.getTime();
      run.waitingFor = { ...result.wait.for, stepKey: step.key, stepRowId: row.id };
      k.store.markRun(run);
      emit(k, run, { kind: 'execution', status: 'waiting', stepKey: step.key, stepType: step.type });
      this.hooks.waiting(run);
      return 'stopped';
    }
    run.waitingRow = null;
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
