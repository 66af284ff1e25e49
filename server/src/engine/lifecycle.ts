import type { AdmissionControl } from './admission.js';
import { emit, type Kernel } from './kernel.js';
import { systemContext } from './pipeline-data.js';
import { restoreRun, type executionRow } from './recovery.js';
import type { Retention } from './retention.js';
import { toRecord, type RunState } from './run-state.js';
import type { Resume, Runner } from './runner.js';
import { childResultOf, stepOutputs } from './step-services.js';
import { TERMINAL_STATUSES, type ExecutionRecord } from './types.js';
import { beginWalk, takeStep } from './walker.js';
import type { WaitTimers } from './waits.js';

/**
 * What happens between steps: starting admitted runs, making waits durable before arming them,
 * resuming them exactly once, handing a child's result to its parent, and releasing slots at the end.
 */
export class Lifecycle {
  timers!: WaitTimers;
  stopped = false;

  constructor(
    private readonly k: Kernel,
    readonly runner: Runner,
    readonly admission: AdmissionControl,
    readonly retention: Retention,
  ) {}

  begin(run: RunState): void {
    const { k, runner } = this;
    if (this.stopped) return;
    run.status = 'running';
    run.startedAt = k.now().getTime();
    k.store.markRun(run);
    emit(k, run, { kind: 'execution', status: 'running' });
    if (!run.walkStarted) {
      run.walkStarted = true;
      const entry = run.triggerStepKey === null ? null : (run.graph.index.get(run.triggerStepKey) ?? null);
      beginWalk(run, entry, runner.walk);
    }
    void runner.drive(run);
  }

  finished(run: RunState): void {
    const { k } = this;
    k.active.delete(run.id);
    this.timers.clear(run.id);
    run.earlyEvent?.resolve(false);
    run.earlyEvent = null;
    for (const next of this.admission.release(run)) this.begin(next);
    this.retention.noteFinished(run.flowId);
    this.notifyParent(run);
    if (run.settledWaiters.length || run.quiescentWaiters.length) {
      const record = toRecord(run);
      k.store.afterNextCommit(() => {
        for (const resolve of run.settledWaiters.splice(0)) resolve(record);
        for (const resolve of run.quiescentWaiters.splice(0)) resolve(record);
      });
    }
  }

  /** The wait is only armed once the commit that made it durable is done. */
  waiting(run: RunState): void {
    const token = run.waitingRow?.id;
    this.k.store.afterNextCommit(() => {
      for (const resolve of run.quiescentWaiters.splice(0)) resolve(toRecord(run));
      if (run.status !== 'waiting' || run.waitingRow?.id !== token || this.stopped) return;
      this.armWait(run);
    });
  }

  /** Arms a committed wait: an early event or a finished child resumes it now, otherwise a timer. */
  armWait(run: RunState): void {
    if (run.earlyEvent) {
      const { event, resolve } = run.earlyEvent;
      run.earlyEvent = null;
      void this.resume(run, 'event', event).then(resolve);
      return;
    }
    const child = run.waitingFor?.executionId;
    if (typeof child === 'string') {
      const result = childResultOf(this.k, child);
      if (result) return void this.resume(run, 'event', { kind: 'execution_finished', result });
    }
    this.timers.arm(run.id, run.resumeAt ?? this.k.now().getTime());
  }

  due(executionId: string): void {
    const run = this.k.active.get(executionId);
    if (!run || run.status !== 'waiting' || this.stopped) return;
    const overdue = this.k.now().getTime() - (run.resumeAt ?? 0);
    void this.resume(run, overdue > this.k.settings.lateGraceMs ? 'late' : 'due');
  }

  /** Claims the wait (exactly one claimer wins, in the database) and continues the run. */
  async resume(run: RunState, reason: Resume['reason'], event?: Record<string, unknown>): Promise<boolean> {
    const resume = { reason, ...(event && { event }) };
    if (!(await this.k.store.claim(run.id, 'running', run.waitingRow?.id, resume))) return false;
    this.continueClaimed(run, reason, event);
    return true;
  }

  /** The wait is ours (just claimed, or claimed before a crash, found at start): continue the step. */
  continueClaimed(run: RunState, reason: Resume['reason'], event?: Record<string, unknown>): void {
    const { k, runner } = this;
    this.timers.clear(run.id);
    const { resume: _claimed, ...waitingFor } = run.waitingFor ?? {};
    const stepKey = String(waitingFor.stepKey ?? run.currentStep);
    run.status = 'running';
    run.resumeAt = null;
    run.waitingFor = null;
    const now = k.now();
    if (reason === 'late') (run.data.trigger as Record<string, unknown>).late = true;
    run.data.system = systemContext(now, k.settings.timezone);
    k.store.markRun(run);
    emit(k, run, { kind: 'execution', status: 'running', stepKey });
    const step = run.graph.index.get(stepKey);
    if (step === undefined) {
      runner.finish(run, 'failed', {
        message: `cannot resume: step "${stepKey}" is not in the snapshot`,
        code: 'internal',
      });
      return;
    }
    takeStep(run, step);
    const row = run.waitingRow;
    run.waitingRow = null;
    if (run.cancelRequested) {
      // A cancel lost the race for the wait: honour it here, before the step continues.
      if (row)
        runner.closeRow(run, row, 'cancelled', now.getTime() - row.startedAt, null, [], 'run cancelled');
      runner.finish(run, 'cancelled', { message: 'run cancelled', code: 'cancelled' });
      return;
    }
    const info = { reason, ...(event && { event }), waitingFor } as Resume;
    void runner.drive(run, { step, info, row });
  }

  /** Cancels a waiting run: it must win the wait, like a resume. */
  async cancelWaiting(run: RunState): Promise<void> {
    const { k, runner } = this;
    // Should a resume win the race, the run stops at its next step boundary instead.
    run.cancelRequested = true;
    if (!(await k.store.claim(run.id, 'cancelled', run.waitingRow?.id, { reason: 'cancel' }))) return;
    this.timers.clear(run.id);
    const row = run.waitingRow;
    if (row)
      runner.closeRow(run, row, 'cancelled', k.now().getTime() - row.startedAt, null, [], 'run cancelled');
    runner.finish(run, 'cancelled', { message: 'run cancelled', code: 'cancelled' });
  }

  /** A parent waiting (or about to wait) for this child gets its result, once the child's end is committed. */
  private notifyParent(child: RunState): void {
    if (!child.parentExecutionId) return;
    const parent = this.k.active.get(child.parentExecutionId);
    if (!parent) return;
    const waitsForIt = parent.status === 'waiting' && parent.waitingFor?.executionId === child.id;
    const willWait = parent.status === 'running' && parent.expectingChild === child.id;
    if (!waitsForIt && !willWait) return;
    const result = {
      executionId: child.id,
      flowId: child.flowId,
      flowName: child.flowName,
      status: child.status,
      error: child.error,
      steps: stepOutputs(child.data.steps as Record<string, { output?: unknown }>),
    };
    this.k.store.afterNextCommit(() => void this.deliver(parent.id, { kind: 'execution_finished', result }));
  }

  /** Hands an event to a run in memory: resumes its wait, or keeps it for the wait its step is about to enter. */
  deliver(executionId: string, event: Record<string, unknown>): Promise<boolean> {
    const run = this.k.active.get(executionId);
    if (!run || this.stopped) return Promise.resolve(false);
    if (run.status === 'waiting') return this.resume(run, 'event', event);
    if (run.status === 'running' && !run.earlyEvent && !run.parked) {
      return new Promise((resolve) => (run.earlyEvent = { event, resolve }));
    }
    return Promise.resolve(false);
  }

  /** A waiting run this process has not loaded yet (start() not called): take it over. */
  adopt(row: NonNullable<ReturnType<typeof executionRow>>): RunState {
    const run = restoreRun(this.k, row, this.runner.walk, new Map());
    this.k.active.set(run.id, run);
    this.admission.restore(this.k.catalog.flowIfExists(run.flowId), run);
    return run;
  }

  settledRun(run: RunState): Promise<ExecutionRecord> {
    if (!this.k.active.has(run.id) && TERMINAL_STATUSES.has(run.status)) {
      return this.k.store.commit().then(() => toRecord(run));
    }
    return new Promise((resolve) => run.settledWaiters.push(resolve));
  }

  untilQuiet(run: RunState): Promise<ExecutionRecord> {
    if (run.status === 'waiting' || TERMINAL_STATUSES.has(run.status)) {
      return this.k.store.commit().then(() => toRecord(run));
    }
    return new Promise((resolve) => run.quiescentWaiters.push(resolve));
  }
}
