import type { AdmissionControl } from './admission.js';
import { emit, type Kernel } from './kernel.js';
import { restoreRun, type executionRow } from './recovery.js';
import type { Retention } from './retention.js';
import { syncWaitFields, toRecord, type ParkedWait, type RunState, type WaitResume } from './run-state.js';
import type { Runner } from './runner.js';
import { childResultOf, stepOutputs } from './step-services.js';
import { TERMINAL_STATUSES, type ExecutionRecord } from './types.js';
import { beginWalk } from './walker.js';
import type { WaitScheduler } from './waits.js';

/**
 * What happens between steps: starting admitted runs, making waits durable before arming them,
 * resuming them exactly once, handing a child's result to its parent, and releasing slots at the end.
 */
export class Lifecycle {
  timers!: WaitScheduler;
  stopped = false;
  /** Flows whose runs are being stopped (delete, disable): new runs are refused meanwhile. */
  readonly retiring = new Set<string>();
  /** Runs that ended but whose end is not committed yet. */
  readonly recent = new Map<string, RunState>();

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
    // Until its end is committed the row still says otherwise; get() and settled() read this meanwhile.
    this.recent.set(run.id, run);
    k.store.afterNextCommit(() => this.recent.delete(run.id));
    this.timers.clear(run.id);
    run.earlyEvent?.resolve(false);
    run.earlyEvent = null;
    for (const next of this.admission.release(run)) {
      // The cool-off is checked again when a queued run gets its turn (reruns ignore it, as at admission).
      const flow = next.rerunOf ? undefined : k.catalog.flowIfExists(next.flowId);
      const cooling = flow ? this.admission.cooloffRefusal(flow, k.now().getTime(), next) : null;
      if (cooling) this.runner.finish(next, 'cancelled', { message: cooling, code: 'cooloff' });
      else this.begin(next);
    }
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

  /** The run is `waiting` once that is committed; quiescent() callers learn it then. */
  waiting(run: RunState): void {
    this.k.store.afterNextCommit(() => {
      for (const resolve of run.quiescentWaiters.splice(0)) resolve(toRecord(run));
    });
  }

  /** A parked wait is armed only once the commit that made it durable is done. */
  parked(run: RunState, wait: ParkedWait): void {
    this.k.store.afterNextCommit(() => {
      if (this.stopped || wait.resume || !run.waits.includes(wait)) return;
      this.armWait(run, wait);
    });
  }

  /** Arms every open wait of a run loaded from the database. */
  armWaits(run: RunState): void {
    for (const wait of [...run.waits]) if (!wait.resume) this.armWait(run, wait);
  }

  /** Arms a committed wait: a child that already finished resumes it now, otherwise a timer. */
  private armWait(run: RunState, wait: ParkedWait): void {
    const child = wait.for.executionId;
    if (typeof child === 'string') {
      const result = childResultOf(this.k, child);
      if (result) return void this.resumeWait(run, wait, 'event', { kind: 'execution_finished', result });
    }
    this.timers.arm(run.id, wait.stepRowId, wait.until);
  }

  due(executionId: string, stepRowId: string): void {
    const run = this.k.active.get(executionId);
    const wait = run?.waits.find((candidate) => candidate.stepRowId === stepRowId);
    if (!run || !wait || wait.resume || this.stopped) return;
    // `late` means it came due while the server was down: only a wait found overdue at start() is.
    void this.resumeWait(run, wait, wait.late ? 'late' : 'due');
  }

  /**
   * Ends one wait exactly once. A run stored as `waiting` is claimed in the database (whoever flips the
   * status first wins: timer, event, cancel, another engine); a run still running other branches is
   * this process's alone, so the claim is recorded on the wait and committed before it counts.
   */
  async resumeWait(
    run: RunState,
    wait: ParkedWait,
    reason: WaitResume['reason'],
    event?: Record<string, unknown>,
  ): Promise<boolean> {
    const resume: WaitResume = { reason, ...(event && { event }) };
    if (run.status === 'waiting') {
      const stored = { ...resume, stepRowId: wait.stepRowId };
      if (await this.k.store.claim(run.id, 'running', wait.stepRowId, stored)) {
        this.continueClaimed(run, wait, resume);
        return true;
      }
      // Lost to another wait of the same run that flipped it to running: go the in-memory way below.
      if ((run.status as string) !== 'running') return false;
    }
    if (run.status !== 'running' || run.parked || wait.resume || !run.waits.includes(wait)) return false;
    this.timers.clear(run.id, wait.stepRowId);
    wait.resume = resume;
    syncWaitFields(run);
    this.k.store.markRun(run);
    await this.k.store.commit();
    return true;
  }

  /** The run was claimed from `waiting` for this wait: it runs again and continues the wait first. */
  continueClaimed(run: RunState, wait: ParkedWait, resume: WaitResume): void {
    const { k, runner } = this;
    this.timers.clear(run.id, wait.stepRowId);
    wait.resume = resume;
    run.status = 'running';
    syncWaitFields(run);
    k.store.markRun(run);
    emit(k, run, { kind: 'execution', status: 'running', stepKey: wait.stepKey });
    if (run.cancelRequested) {
      // A cancel lost the race for the wait: honour it here, before the step continues.
      runner.finish(run, 'cancelled', { message: 'run cancelled', code: 'cancelled' });
      return;
    }
    void runner.drive(run);
  }

  /** Cancels a waiting run: it must win the run from `waiting`, like a resume. */
  async cancelWaiting(run: RunState): Promise<void> {
    const { k, runner } = this;
    // Should a resume win the race, the run stops at its next step boundary instead.
    run.cancelRequested = true;
    if (!(await k.store.claim(run.id, 'cancelled', undefined, { reason: 'cancel' }))) return;
    this.timers.clear(run.id);
    runner.finish(run, 'cancelled', { message: 'run cancelled', code: 'cancelled' });
  }

  /** A parent waiting (or about to wait) for this child gets its result, once the child's end is committed. */
  private notifyParent(child: RunState): void {
    if (!child.parentExecutionId) return;
    const parent = this.k.active.get(child.parentExecutionId);
    if (!parent) return;
    const waitsForIt = parent.waits.some((wait) => wait.for.executionId === child.id);
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
    this.k.store.afterNextCommit(
      () =>
        void this.deliver(
          parent.id,
          { kind: 'execution_finished', result },
          (wait) => wait.for.executionId === child.id,
          willWait,
        ),
    );
  }

  /**
   * Hands an event to a run in memory: ends the wait it is for, or keeps it for the wait the step in
   * flight is about to enter. `match` picks the wait; without it, `pickWait` does.
   */
  deliver(
    executionId: string,
    event: Record<string, unknown>,
    match?: (wait: ParkedWait) => boolean,
    early = true,
  ): Promise<boolean> {
    const run = this.k.active.get(executionId);
    if (!run || this.stopped) return Promise.resolve(false);
    const open = run.waits.filter((wait) => !wait.resume);
    const wait = match ? open.find(match) : pickWait(open, event);
    if (wait) return this.resumeWait(run, wait, 'event', event);
    if (early && run.status === 'running' && !run.earlyEvent && !run.parked) {
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

/**
 * Which wait an outside event (a prompt answer) ends when a run has several: the one named by
 * `event.stepKey`; else one whose `wait.for` values (besides `kind`) all appear in the event; else the
 * oldest that waits for something other than time or a child run; else the oldest.
 */
export function pickWait(waits: ParkedWait[], event: Record<string, unknown>): ParkedWait | undefined {
  if (typeof event.stepKey === 'string') {
    const named = waits.find((wait) => wait.stepKey === event.stepKey);
    if (named) return named;
  }
  const matching = waits.find((wait) => {
    const keys = Object.keys(wait.for).filter((key) => key !== 'kind');
    return keys.length > 0 && keys.every((key) => event[key] === wait.for[key]);
  });
  return (
    matching ?? waits.find((wait) => wait.for.kind !== 'time' && wait.for.kind !== 'execution') ?? waits[0]
  );
}
