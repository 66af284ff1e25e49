import type { Orm } from '../db/orm.js';
import type { ExecutionRecord, ExecutionStatus } from './types.js';

/** The part of better-sqlite3's API the engine uses (the package ships no types here). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
  readonly inTransaction: boolean;
  readonly open: boolean;
  readonly name: string;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(sql: string): void;
}

/**
 * The ORM's own better-sqlite3 connection (knex keeps exactly one for SQLite). The engine writes
 * through it synchronously: the ORM's unit of work per step is far too slow for thousands of runs a
 * second, and sharing the connection keeps one writer and one WAL.
 */
export async function rawDatabase(orm: Orm): Promise<SqliteDatabase> {
  const client = orm.em.getConnection().getKnex().client as {
    acquireConnection(): Promise<SqliteDatabase>;
    releaseConnection(connection: SqliteDatabase): Promise<void>;
  };
  const db = await client.acquireConnection();
  await client.releaseConnection(db);
  return db;
}

const statements = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();

/** Prepares `sql` once per connection: lookups by id are called per request, and preparing costs more than the query. */
export function cachedStatement(db: SqliteDatabase, sql: string): SqliteStatement {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map()));
  let statement = byText.get(sql);
  if (!statement) byText.set(sql, (statement = db.prepare(sql)));
  return statement;
}

export const EXECUTION_COLUMNS = `id, flow_id, flow_version, status, trigger_type, trigger_step_key, trigger_payload,
  data, snapshot, current_step, completed_steps, skipped_steps, error, started_at, finished_at, duration_ms,
  resume_at, waiting_for, cooloff_consumed, parent_execution_id, depth, rerun_of_id, event_seq, created_at`;

export interface ExecutionRow {
  id: string;
  flow_id: string;
  flow_name?: string;
  flow_version: number;
  status: ExecutionStatus;
  trigger_type: string;
  trigger_step_key: string | null;
  trigger_payload: string;
  data: string;
  snapshot: string;
  current_step: string | null;
  completed_steps: string;
  skipped_steps: string;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  resume_at: number | null;
  waiting_for: string | null;
  cooloff_consumed: number;
  parent_execution_id: string | null;
  depth: number;
  rerun_of_id: string | null;
  event_seq: number;
  created_at: number;
}

const json = <T>(text: string | null, fallback: T): T => (text === null ? fallback : (JSON.parse(text) as T));
export const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function rowToRecord(row: ExecutionRow): ExecutionRecord {
  const snapshot = json<{ flowName?: string }>(row.snapshot, {});
  return {
    id: row.id,
    flowId: row.flow_id,
    flowName: row.flow_name ?? snapshot.flowName ?? '',
    flowVersion: row.flow_version,
    status: row.status,
    triggerType: row.trigger_type,
    triggerStepKey: row.trigger_step_key,
    triggerPayload: json(row.trigger_payload, {}),
    data: json(row.data, {}),
    currentStep: row.current_step,
    completedSteps: json(row.completed_steps, []),
    skippedSteps: json(row.skipped_steps, []),
    error: json(row.error, null),
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    durationMs: row.duration_ms,
    resumeAt: date(row.resume_at),
    waitingFor: json(row.waiting_for, null),
    cooloffConsumed: row.cooloff_consumed === 1,
    parentExecutionId: row.parent_execution_id,
    depth: row.depth,
    rerunOf: row.rerun_of_id,
    eventSeq: row.event_seq,
    createdAt: new Date(row.created_at),
  };
}

export interface FlowRow {
  id: string;
  name: string;
  enabled: number;
  version: number;
  default_step_timeout_ms: number;
  max_executions: number;
  cooloff_minutes: number;
  run_mode: 'parallel' | 'queued' | 'single';
  max_concurrent_runs: number;
}

export const FLOW_COLUMNS = `id, name, enabled, version, default_step_timeout_ms, max_executions, cooloff_minutes,
  run_mode, max_concurrent_runs`;
