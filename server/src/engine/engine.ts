import type { StepTypeRegistry } from '../steps/registry.js';
import { AdmissionControl } from './admission.js';
import { FlowCatalog } from './catalog.js';
import { EngineError, RunInterruptedError } from './errors.js';
import { AlertEventBus, ExecutionEventBus } from './events.js';
import type { CompiledGraph } from './graph.js';
import { emit, type EngineSettings, type Kernel } from './kernel.js';
import { Lifecycle } from './lifecycle.js';
import { createRun } from './new-run.js';
import { activeRows, executionRow, restoreRun } from './recovery.js';
import { Retention } from './retention.js';
import { toRecord } from './run-state.js';
import { Runner } from './runner.js';
import { abortableSleep, visibleVariables } from './services.js';
import { rawDatabase, rowToRecord } from './sqlite.js';
import { ExecutionStore } from './store.js';
import { testStep } from './test-step.js';
import {
  TERMINAL_STATUSES,
  type EngineOptions,
  type ExecutionRecord,
  type TestStepInput,
  type TriggerInput,
} from './types.js';
import { WaitTimers } from './waits.js';

/** Variables by scope: a flow id or `global`. `write` with `undefined` deletes. */
export interface VariableAccess {
  list(scope: string): Array<{ key: string; value: unknown }>;
  write(scope: string, key: string, value: unknown): Promise<void>;
}

interface Parts {
  k: Kernel;
  life: Lifecycle;
}

/**
 * Runs flows. Each run is recorded before it starts, walks its frozen graph snapshot, and writes its
 * state through a group-committing store. Waits are durable: start() re-arms them from the database and
 * continues runs that were `running` when the process stopped, from their last step boundary (the step
 * that was in flight runs again as a new attempt).
 */
export class FlowEngine {
  readonly events: ExecutionEventBus;
  readonly alertEvents: AlertEventBus;
  private readonly settings: EngineSettings;
  private readonly clock: () => Date;
  private parts: Promise<Parts> | undefined;

  constructor(private readonly options: EngineOptions) {
    const log = options.logger ?? ((message: string, error?: unknown) => console.error(message, error ?? ''));
    this.settings = {
      timezone: options.timezone,
      lateGraceMs: options.lateGraceMs ?? 5 * 60_000,
      maxSleepMs: options.maxSleepMs ?? 60_000,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 30_000,
      stopGraceMs: options.stopGraceMs ?? 5000,
      delay: options.delay ?? abortableSleep,
      services: options.services ?? {},
      ...(options.secrets && { secrets: options.secrets }),
      log,
    };
    this.clock = options.clock ?? (() => new Date());
    this.events = new ExecutionEventBus((error) => log('engine: event listener failed', error));
    this.alertEvents = new AlertEventBus((error) => log('engine: alert listener failed', error));
  }

  get registry(): StepTypeRegistry {
    return this.options.registry;
  }

  /** Re-arms waits and continues runs found pending or running in the database. */
  async start(): Promise<void> {
    const { k, life } = await this.init();
    life.stopped = false;
    life.retention.resume();
    const graphs = new Map<string, CompiledGraph>();
    for (const row of activeRows(k)) {
      if (k.active.has(row.id)) continue;
      const run = restoreRun(k, row, life.runner.walk, graphs);
      const flow = k.catalog.flowIfExists(run.flowId);
      k.active.set(run.id, run);
      if (run.status === 'pending') {
        if (life.admission.readmit(flow, run)) life.begin(run);
      } else {
        life.admission.restore(flow, run);
        // Only a wait already overdue beyond the grace now came due while the server was down.
        const startedAt = k.now().getTime();
        for (const wait of run.waits) wait.late = startedAt - wait.until > this.settings.lateGraceMs;
        // A running run continues its claimed waits first (one claimed just before a crash included).
        if (run.status === 'running') void life.runner.drive(run);
        life.armWaits(run);
      }
    }
    await k.store.commit();
  }

  /**
   * Clears timers (waits stay in the database), gives running steps stopGraceMs to finish, then parks
   * the runs still going (they stay `running` and start() continues them), and flushes every write.
   */
  async stop(): Promise<void> {
    if (!this.parts) return;
    const { k, life } = await this.parts;
    life.stopped = true;
    life.timers.clearAll();
    life.retention.stop();
    const running = [...k.active.values()].filter((run) => run.status === 'running');
    if (running.length) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running.map((run) => life.untilQuiet(run))),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.stopGraceMs))),
      ]);
      clearTimeout(timer);
    }
    for (const run of k.active.values()) {
      run.earlyEvent?.resolve(false);
      run.earlyEvent = null;
      if (run.status !== 'running') continue;
      run.parked = true;
      run.stepAbort?.abort(new RunInterruptedError('stopping'));
    }
    await k.store.commit();
    life.retention.drain();
    life.retention.checkpoint();
    k.active.clear();
    life.admission.clear();
  }

  /** Records the run (pending), commits it, then starts it; resolves once it is recorded and started. */
  async trigger(input: TriggerInput): Promise<ExecutionRecord> {
    const { k, life } = await this.init();
    if (life.stopped) throw new EngineError('stopped', 'the flow engine is stopped');
    const flow = k.catalog.flow(input);
    if (!flow.enabled) throw new EngineError('flow_disabled', `flow "${flow.name}" is disabled`);
    if (life.retiring.has(flow.id)) {
      throw new EngineError('flow_disabled', `flow "${flow.name}" is being deleted or disabled`);
    }
    const run = createRun(k, flow, k.catalog.graph(flow), input);
    const parent = run.parentExecutionId ? k.active.get(run.parentExecutionId) : undefined;
    if (parent && input.awaitedByParent) parent.expectingChild = run.id;
    k.active.set(run.id, run);
    k.store.markRun(run);
    emit(k, run, { kind: 'execution', status: 'pending' });
    const admitted = life.admission.decide(flow, run, k.now().getTime(), { ignoreCooloff: !!input.rerunOf });
    if (admitted.action === 'reject') {
      life.runner.finish(run, 'cancelled', { message: admitted.message, code: admitted.code });
    }
    await k.store.commit();
    if (admitted.action === 'start' && run.status === 'pending') life.begin(run);
    return toRecord(run);
  }

  /** Cancels at the next step boundary (aborting the step in flight); a waiting or queued run at once. */
  async cancel(executionId: string): Promise<ExecutionRecord> {
    const { k, life } = await this.init();
    let run = k.active.get(executionId);
    if (!run) {
      const row = executionRow(k, executionId);
      if (!row) throw new EngineError('not_found', `no run with id "${executionId}"`);
      if (row.status !== 'waiting') {
        // Pending or running with no one in memory to continue it: its process is gone.
        if (!TERMINAL_STATUSES.has(row.status)) this.cancelOrphan(k, executionId);
        return rowToRecord(executionRow(k, executionId)!);
      }
      run = life.adopt(row);
    }
    if (run.status === 'pending') {
      life.admission.removeQueued(run);
      life.runner.finish(run, 'cancelled', { message: 'run cancelled', code: 'cancelled' });
    } else if (run.status === 'waiting') {
      await life.cancelWaiting(run);
    }
    if (run.status === 'running') {
      run.cancelRequested = true;
      run.stepAbort?.abort(new RunInterruptedError('cancelled'));
    }
    return life.settledRun(run);
  }

  /**
   * Before a flow is deleted or once it is disabled: cancels its pending, queued, running and waiting
   * runs and resolves once their ends are committed. New runs of the flow are refused until the
   * returned release is called, so nothing of it writes after a delete.
   */
  async stopFlowRuns(flowId: string): Promise<() => void> {
    const { k, life } = await this.init();
    life.retiring.add(flowId);
    const ids = new Set([...k.active.values()].filter((run) => run.flowId === flowId).map((run) => run.id));
    const stored = k.store.db
      .prepare(
        `select id from flow_executions where flow_id = ? and status in ('pending', 'running', 'waiting')`,
      )
      .all(flowId) as Array<{ id: string }>;
    for (const row of stored) ids.add(row.id);
    await Promise.all([...ids].map((id) => this.cancel(id).catch(() => undefined)));
    await k.store.commit();
    return () => life.retiring.delete(flowId);
  }

  /** A new run of the flow's current version with the same trigger context, linked by `rerunOf`. */
  async rerun(executionId: string): Promise<ExecutionRecord> {
    const { k } = await this.init();
    const active = k.active.get(executionId);
    const original = active ? toRecord(active) : rowOrThrow(k, executionId);
    const graph = k.catalog.graph(k.catalog.flow({ flowId: original.flowId }));
    const stepKey =
      original.triggerStepKey && graph.index.has(original.triggerStepKey)
        ? original.triggerStepKey
        : undefined;
    return this.trigger({
      flowId: original.flowId,
      payload: original.triggerPayload,
      triggerType: original.triggerType,
      triggerStepKey: stepKey,
      rerunOf: original.id,
    });
  }

  /**
   * Wakes a run waiting for an event (a prompt answer). Resolves true for the one delivery that won;
   * false when the run was not waiting, had already resumed, or was cancelled.
   */
  async deliverEvent(executionId: string, event: Record<string, unknown>): Promise<boolean> {
    const { k, life } = await this.init();
    if (!k.active.has(executionId) && !life.stopped) {
      const row = executionRow(k, executionId);
      if (row?.status === 'waiting') life.adopt(row);
    }
    return life.deliver(executionId, event);
  }

  /** Runs one step type with a config and sample data; nothing is saved. */
  async testStep(input: TestStepInput) {
    const { k } = await this.init();
    return testStep(k, input);
  }

  /** The run as it stands (memory first, then the database). */
  async get(executionId: string): Promise<ExecutionRecord | undefined> {
    const { k, life } = await this.init();
    const active = k.active.get(executionId) ?? life.recent.get(executionId);
    if (active) return toRecord(active);
    const row = executionRow(k, executionId);
    return row ? rowToRecord(row) : undefined;
  }

  /** Resolves when the run has finished (completed, failed or cancelled) and that is committed. */
  async settled(executionId: string): Promise<ExecutionRecord> {
    const { k, life } = await this.init();
    const run = k.active.get(executionId) ?? life.recent.get(executionId);
    return run ? life.settledRun(run) : rowOrThrow(k, executionId);
  }

  /** Resolves when the run is no longer pending or running (it waits or has finished), committed. */
  async quiescent(executionId: string): Promise<ExecutionRecord> {
    const { k, life } = await this.init();
    const run = k.active.get(executionId) ?? life.recent.get(executionId);
    return run ? life.untilQuiet(run) : rowOrThrow(k, executionId);
  }

  /**
   * Flow and global variables for the API. Reads and writes go through the same store the runs use,
   * so an API write and a step's write land in the order they happened. `$` keys (cooldown state)
   * are the engine's own and are left out.
   */
  async variables(): Promise<VariableAccess> {
    const { k } = await this.init();
    return {
      list: (scope) => visibleVariables(k.catalog.variables(scope)),
      write: async (scope, key, value) => {
        k.store.setVariable(scope, scope === 'global' ? null : scope, key, value);
        await k.store.commit();
      },
    };
  }

  /** Commits everything buffered and prunes history now; for tests and tools. */
  async flush(): Promise<void> {
    const { k, life } = await this.init();
    await k.store.commit();
    life.retention.drain();
  }

  private init(): Promise<Parts> {
    this.parts ??= this.build();
    return this.parts;
  }

  private async build(): Promise<Parts> {
    const db = await rawDatabase(this.options.orm);
    const store = new ExecutionStore(db, this.settings.log, this.options.eventLogSize);
    const k: Kernel = {
      settings: this.settings,
      registry: this.options.registry,
      store,
      catalog: new FlowCatalog(db, this.options.registry, store, this.options.secrets),
      events: this.events,
      alertEvents: this.alertEvents,
      active: new Map(),
      now: this.clock,
      cooldowns: new Map(),
      trigger: (input) => this.trigger(input),
    };
    // The runner reports back through the lifecycle, which needs the runner; the hooks run only once a
    // run exists, long after `life` is initialised.
    const runner = new Runner(k, {
      finished: (run) => life.finished(run),
      waiting: (run) => life.waiting(run),
      parked: (run, wait) => life.parked(run, wait),
      // Decided: a run that ends while waiting for a child cancels it; nobody is left to use its result.
      abandonChild: (id) => void this.cancel(id).catch(() => {}),
    });
    const life = new Lifecycle(
      k,
      runner,
      new AdmissionControl(db),
      new Retention(db, store, this.settings.log),
    );
    const due = (id: string, stepRowId: string) => life.due(id, stepRowId);
    life.timers = this.options.waitScheduler
      ? this.options.waitScheduler(due)
      : new WaitTimers(() => this.clock().getTime(), due);
    return { k, life };
  }

  private cancelOrphan(k: Kernel, executionId: string): void {
    const now = k.now().getTime();
    k.store.db
      .prepare(
        `update flow_executions set status = 'cancelled', finished_at = ?, error = ? where id = ?
          and status in ('pending', 'running')`,
      )
      .run(now, JSON.stringify({ message: 'run cancelled', code: 'cancelled' }), executionId);
  }
}

function rowOrThrow(k: Kernel, executionId: string): ExecutionRecord {
  const row = executionRow(k, executionId);
  if (!row) throw new EngineError('not_found', `no run with id "${executionId}"`);
  return rowToRecord(row);
}
