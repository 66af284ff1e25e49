import { newId } from '../db/ids.js';
import type { RunState, StepRow } from './run-state.js';
import { EXECUTION_COLUMNS, type SqliteDatabase, type SqliteStatement } from './sqlite.js';
import { safeStringify, serializeData } from './truncate.js';
import type { AlertRaisedEvent, PipelineExecutionEvent } from './types.js';

interface Claim {
  executionId: string;
  to: 'running' | 'cancelled';
  /** The waiting timeline row: a claim meant for one wait can never take a later wait of the same run. */
  token: string | undefined;
  /** Why the wait ends (and the event), kept in waiting_for so a crash right after the claim loses nothing. */
  resume: string;
  resolve: (won: boolean) => void;
}

/** Execution events kept replayable by default (KINFLOW_EVENT_LOG_SIZE). */
export const DEFAULT_EVENT_LOG_SIZE = 100_000;

/** An alert as buffered for the next commit: the published event, with the time still in epoch ms. */
export type AlertInsert = Omit<AlertRaisedEvent, 'createdAt'> & { createdAt: number };

/**
 * Group commit: runs and timeline rows change in memory and are written together, once per event-loop
 * turn, in one transaction. Whoever needs durability (an acknowledged trigger, a wait about to arm its
 * timer, stop()) awaits `commit()`; events are published only after the commit that made them true.
 */
export class ExecutionStore {
  private readonly runs = new Set<RunState>();
  private readonly stepRows = new Set<StepRow>();
  private readonly variables = new Map<
    string,
    { scope: string; flowId: string | null; key: string; value: unknown }
  >();
  private readonly alerts: AlertInsert[] = [];
  private readonly events: PipelineExecutionEvent[] = [];
  /** Newest event id written, and the id up to which the log was last trimmed. */
  private lastEventId = 0;
  private trimmedTo = -1;
  private claims: Claim[] = [];
  private afterCommit: Array<() => void> = [];
  private waiters: Array<() => void> = [];
  private scheduled = false;
  /** Claims that changed a row in the flush under way. */
  private readonly claimWon = new Set<Claim>();
  /** Rows marked inserted by the flush under way, reset if its transaction rolls back. */
  private insertedNow: Array<{ inserted: boolean }> = [];
  private readonly sql: Record<
    | 'insertRun'
    | 'updateRun'
    | 'insertStep'
    | 'updateStep'
    | 'claim'
    | 'claimToken'
    | 'upsertVariable'
    | 'deleteVariable'
    | 'insertAlert'
    | 'insertEvent'
    | 'trimEvents'
    | 'runExists',
    SqliteStatement
  >;
  private readonly writeBatch: () => void;
  /** Told of every variable scope a flush writes to (the catalog drops what it cached of it). */
  onVariableWrite: (scope: string) => void = () => {};

  constructor(
    readonly db: SqliteDatabase,
    private readonly log: (message: string, error?: unknown) => void,
    /** How many of the newest execution events stay replayable. */
    private readonly eventLogSize = DEFAULT_EVENT_LOG_SIZE,
  ) {
    this.sql = {
      insertRun: db.prepare(
        `insert into flow_executions (${EXECUTION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateRun: db.prepare(
        `update flow_executions set status = ?, data = ?, current_step = ?, completed_steps = ?, skipped_steps = ?,
          error = ?, started_at = ?, finished_at = ?, duration_ms = ?, resume_at = ?, waiting_for = ?,
          cooloff_consumed = ?, event_seq = ? where id = ?`,
      ),
      insertStep: db.prepare(
        `insert into flow_execution_steps (id, execution_id, step_key, step_type, status, attempt, started_at,
          elapsed_ms, output, ports, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateStep: db.prepare(
        `update flow_execution_steps set status = ?, elapsed_ms = ?, output = ?, ports = ?, error = ? where id = ?`,
      ),
      // The only way out of `waiting`: whoever flips the status first (timer, event, cancel) wins.
      claim: db.prepare(
        `update flow_executions set status = ?, waiting_for = json_set(coalesce(waiting_for, '{}'), '$.resume', json(?))
          where id = ? and status = 'waiting'`,
      ),
      claimToken: db.prepare(
        `update flow_executions set status = ?, waiting_for = json_set(coalesce(waiting_for, '{}'), '$.resume', json(?))
          where id = ? and status = 'waiting' and (json_extract(waiting_for, '$.stepRowId') = ? or exists (
            select 1 from json_each(waiting_for, '$.waits') where json_extract(value, '$.stepRowId') = ?))`,
      ),
      upsertVariable: db.prepare(
        `insert into flow_variables (id, scope, flow_id, key, value, updated_at) values (?, ?, ?, ?, ?, ?)
          on conflict (scope, key) do update set value = excluded.value, updated_at = excluded.updated_at`,
      ),
      deleteVariable: db.prepare(`delete from flow_variables where scope = ? and key = ?`),
      runExists: db.prepare(`select 1 from flow_executions where id = ?`),
      insertEvent: db.prepare(
        `insert into flow_execution_events (execution_id, flow_id, flow_name, seq, kind, status, step_key,
          step_type, ports, elapsed_ms, error, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      trimEvents: db.prepare(`delete from flow_execution_events where id <= ?`),
      insertAlert: db.prepare(
        `insert into flow_alerts (id, level, message, flow_id, execution_id, step_key, node_id, created_at)
          values (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    this.writeBatch = db.transaction(() => this.writeAll(false));
  }

  markRun(run: RunState): void {
    this.runs.add(run);
    this.schedule();
  }

  markStep(row: StepRow): void {
    this.stepRows.add(row);
    this.schedule();
  }

  /** `undefined` deletes the variable. */
  setVariable(scope: string, flowId: string | null, key: string, value: unknown): void {
    this.variables.set(`${scope}\u0000${key}`, { scope, flowId, key, value });
    this.schedule();
  }

  /** Writes not yet flushed win over the table, so a run sees what an earlier run just set. */
  pendingVariables(scope: string): Array<{ key: string; value: unknown }> {
    const result: Array<{ key: string; value: unknown }> = [];
    for (const entry of this.variables.values()) if (entry.scope === scope) result.push(entry);
    return result;
  }

  insertAlert(alert: AlertInsert): void {
    this.alerts.push(alert);
    this.schedule();
  }

  /** Buffers an event for the replay log; the commit gives it its `cursor`. */
  insertEvent(event: PipelineExecutionEvent): void {
    this.events.push(event);
    this.schedule();
  }

  claim(
    executionId: string,
    to: 'running' | 'cancelled',
    token: string | undefined,
    resume: { reason: string; event?: Record<string, unknown> },
  ): Promise<boolean> {
    return new Promise((resolve) => {
      this.claims.push({ executionId, to, token, resume: safeStringify(resume), resolve });
      this.schedule();
    });
  }

  /** Runs `callback` after the commit that contains everything buffered so far. */
  afterNextCommit(callback: () => void): void {
    this.afterCommit.push(callback);
    this.schedule();
  }

  commit(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  get idle(): boolean {
    return !this.scheduled;
  }

  newStepRow(run: RunState, stepKey: string, stepType: string, attempt: number, startedAt: number): StepRow {
    const row: StepRow = {
      id: newId(),
      executionId: run.id,
      stepKey,
      stepType,
      status: 'running',
      attempt,
      startedAt,
      elapsedMs: null,
      outputJson: null,
      ports: [],
      error: null,
      inserted: false,
    };
    this.markStep(row);
    return row;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes everything buffered in one transaction. Public so stop() can flush synchronously. */
  flush(): void {
    // Another part of the server (an ORM transaction) holds the shared connection open between awaits;
    // writing now would fold our rows into its transaction, so try again on the next turn.
    if (this.db.inTransaction) {
      setImmediate(() => this.flush());
      return;
    }
    this.scheduled = false;
    if (!this.db.open) return this.release();
    try {
      this.writeBatch();
    } catch (error) {
      // The transaction rolled back: forget what it claimed to have inserted, then go row by row.
      for (const row of this.insertedNow) row.inserted = false;
      this.claimWon.clear();
      this.insertedNow = [];
      this.log('engine: batch write failed, retrying row by row', error);
      this.writeAll(true);
    }
    this.insertedNow = [];
    this.release();
  }

  private release(): void {
    const claims = this.claims;
    const callbacks = this.afterCommit;
    const waiters = this.waiters;
    this.claims = [];
    this.afterCommit = [];
    this.waiters = [];
    this.runs.clear();
    this.stepRows.clear();
    this.variables.clear();
    this.alerts.length = 0;
    this.events.length = 0;
    for (const claim of claims) claim.resolve(this.claimWon.has(claim));
    this.claimWon.clear();
    for (const callback of callbacks) callback();
    for (const resolve of waiters) resolve();
  }

  /** In `careful` mode every write gets its own savepoint, so one bad row cannot sink the batch. */
  private writeAll(careful: boolean): void {
    const attempt = (what: string, write: () => void) => {
      if (!careful) return write();
      try {
        this.db.transaction(write)();
      } catch (error) {
        this.log(`engine: dropped write (${what})`, error);
      }
    };
    for (const run of this.runs) attempt(`run ${run.id}`, () => this.writeRun(run));
    for (const row of this.stepRows)
      attempt(`step ${row.stepKey} of ${row.executionId}`, () => this.writeStep(row));
    // Claims go after the writes: a wait buffered in this batch is claimable in the same batch.
    for (const claim of this.claims) {
      attempt(`claim ${claim.executionId}`, () => {
        const changes = claim.token
          ? this.sql.claimToken.run(claim.to, claim.resume, claim.executionId, claim.token, claim.token)
              .changes
          : this.sql.claim.run(claim.to, claim.resume, claim.executionId).changes;
        if (changes === 1) this.claimWon.add(claim);
      });
    }
    for (const v of this.variables.values()) {
      this.onVariableWrite(v.scope);
      attempt(`variable ${v.key}`, () => {
        if (v.value === undefined) this.sql.deleteVariable.run(v.scope, v.key);
        else
          this.sql.upsertVariable.run(newId(), v.scope, v.flowId, v.key, JSON.stringify(v.value), Date.now());
      });
    }
    for (const a of this.alerts) {
      attempt(`alert ${a.id}`, () =>
        this.sql.insertAlert.run(
          a.id,
          a.level,
          a.message,
          a.flowId,
          a.executionId,
          a.stepKey,
          a.nodeId,
          a.createdAt,
        ),
      );
    }
    for (const e of this.events) attempt(`event ${e.seq} of ${e.executionId}`, () => this.writeEvent(e));
    // Trim the log in steps of a tenth of its size, so the delete runs rarely and in one range.
    const keepFrom = this.lastEventId - this.eventLogSize;
    if (keepFrom - this.trimmedTo > this.eventLogSize / 10 || (this.trimmedTo < 0 && keepFrom > 0)) {
      attempt('event log trim', () => this.sql.trimEvents.run(keepFrom));
      this.trimmedTo = keepFrom;
    }
  }

  private writeEvent(e: PipelineExecutionEvent): void {
    const { lastInsertRowid } = this.sql.insertEvent.run(
      e.executionId,
      e.flowId,
      e.flowName,
      e.seq,
      e.kind,
      e.status,
      e.stepKey ?? null,
      e.stepType ?? null,
      e.ports ? JSON.stringify(e.ports) : null,
      e.elapsedMs ?? null,
      e.error ?? null,
      e.at.getTime(),
    );
    e.cursor = Number(lastInsertRowid);
    this.lastEventId = e.cursor;
  }

  private writeRun(run: RunState): void {
    const data = serializeData(run.data);
    // Columns current_step … cooloff_consumed, in the same order in insertRun and updateRun.
    const progress = [
      run.currentStep,
      JSON.stringify(run.completed),
      JSON.stringify(run.skipped),
      run.error ? JSON.stringify(run.error) : null,
      run.startedAt,
      run.finishedAt,
      run.durationMs,
      run.resumeAt,
      run.waitingFor ? JSON.stringify(run.waitingFor) : null,
      run.cooloffConsumed ? 1 : 0,
    ];
    if (run.inserted) {
      this.sql.updateRun.run(run.status, data, ...progress, run.eventSeq, run.id);
      return;
    }
    // The run a rerun copies, or a parent, may have been pruned meanwhile; the link must not sink the run.
    if (run.rerunOf && !this.sql.runExists.get(run.rerunOf)) run.rerunOf = null;
    if (run.parentExecutionId && !this.sql.runExists.get(run.parentExecutionId)) run.parentExecutionId = null;
    this.sql.insertRun.run(
      run.id,
      run.flowId,
      run.flowVersion,
      run.status,
      run.triggerType,
      run.triggerStepKey,
      run.triggerPayloadJson,
      data,
      run.graph.json,
      ...progress,
      run.parentExecutionId,
      run.depth,
      run.rerunOf,
      run.eventSeq,
      run.createdAt,
    );
    run.inserted = true;
    this.insertedNow.push(run);
  }

  private writeStep(row: StepRow): void {
    const ports = JSON.stringify(row.ports);
    if (row.inserted) {
      this.sql.updateStep.run(row.status, row.elapsedMs, row.outputJson, ports, row.error, row.id);
      return;
    }
    this.sql.insertStep.run(
      row.id,
      row.executionId,
      row.stepKey,
      row.stepType,
      row.status,
      row.attempt,
      row.startedAt,
      row.elapsedMs,
      row.outputJson,
      ports,
      row.error,
    );
    row.inserted = true;
    this.insertedNow.push(row);
  }
}
