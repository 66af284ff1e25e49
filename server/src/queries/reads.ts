import type { AlertLevel } from '../db/entities/index.js';
import { cachedStatement, type SqliteDatabase } from '../engine/sqlite.js';
import type { ExecutionStatus } from '../engine/types.js';
import type { StepContext } from '../steps/step-type.js';
import type { MetricPreview } from '../telemetry/preview.js';

export interface AlertFilter {
  levels?: AlertLevel[];
  /** true: only acknowledged ones; false: only open ones; absent: both. */
  acknowledged?: boolean;
  since?: Date;
  flowId?: string;
  limit: number;
}

export interface RunFilter {
  flowId: string;
  statuses?: ExecutionStatus[];
  since?: Date;
  /** Left out: a query step reading its own flow's runs does not count the run it is part of. */
  excludeId?: string;
  limit: number;
}

export interface QueryAlert {
  id: string;
  level: AlertLevel;
  message: string;
  flowId: string | null;
  executionId: string | null;
  stepKey: string | null;
  nodeId: string | null;
  acknowledged: boolean;
  acknowledgedAt: string | null;
  createdAt: string;
}

export interface QueryRun {
  id: string;
  flowId: string;
  status: ExecutionStatus;
  triggerType: string;
  error: { message?: string; stepKey?: string; code?: string } | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  createdAt: string;
}

/**
 * What the `query` step reads besides nodes (the action services' node lookup) and variables (the
 * engine's): alerts and runs from the engine's own connection, telemetry from the in-memory store.
 * Read-only; every filter is a bound parameter.
 */
export interface KinflowReads {
  alerts(filter: AlertFilter): { rows: QueryAlert[]; total: number };
  runs(filter: RunFilter): { rows: QueryRun[]; total: number };
  flowIdByName(name: string): string | undefined;
  /** Latest values and history with stats, as the metric preview computes them. */
  telemetry(nodeId: string | null, metric: string, options: { since?: Date; limit: number }): MetricPreview;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createKinflowReads(options: {
  /** The engine's connection (looked up per read, so a harness can hand it over after opening). */
  db: () => SqliteDatabase;
  /** Started after the engine, so looked up when a step asks. */
  telemetry: () =>
    | { preview(nodeId: string | null, metric: string, o: { limit?: number; since?: Date }): MetricPreview }
    | undefined;
}): KinflowReads {
  return {
    alerts(filter) {
      const db = options.db();
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.levels?.length) {
        where.push(`level in (${filter.levels.map(() => '?').join(', ')})`);
        params.push(...filter.levels);
      }
      if (filter.acknowledged !== undefined)
        where.push(filter.acknowledged ? 'acknowledged_at is not null' : 'acknowledged_at is null');
      if (filter.since) {
        where.push('created_at >= ?');
        params.push(filter.since.getTime());
      }
      if (filter.flowId) {
        where.push('flow_id = ?');
        params.push(filter.flowId);
      }
      const clause = where.length ? `where ${where.join(' and ')}` : '';
      const total = (
        cachedStatement(db, `select count(*) as n from flow_alerts ${clause}`).get(...params) as { n: number }
      ).n;
      const rows = cachedStatement(
        db,
        `select id, level, message, flow_id, execution_id, step_key, node_id, acknowledged_at, created_at
             from flow_alerts ${clause} order by created_at desc, id desc limit ?`,
      ).all(...params, filter.limit) as Array<Record<string, unknown>>;
      return {
        total,
        rows: rows.map((row) => ({
          id: row.id as string,
          level: row.level as AlertLevel,
          message: row.message as string,
          flowId: row.flow_id as string | null,
          executionId: row.execution_id as string | null,
          stepKey: row.step_key as string | null,
          nodeId: row.node_id as string | null,
          acknowledged: row.acknowledged_at !== null,
          acknowledgedAt: iso(row.acknowledged_at as number | null),
          createdAt: iso(row.created_at as number)!,
        })),
      };
    },
    runs(filter) {
      const db = options.db();
      const where = ['flow_id = ?'];
      const params: unknown[] = [filter.flowId];
      if (filter.statuses?.length) {
        where.push(`status in (${filter.statuses.map(() => '?').join(', ')})`);
        params.push(...filter.statuses);
      }
      if (filter.since) {
        where.push('created_at >= ?');
        params.push(filter.since.getTime());
      }
      if (filter.excludeId) {
        where.push('id <> ?');
        params.push(filter.excludeId);
      }
      const clause = `where ${where.join(' and ')}`;
      const total = (
        cachedStatement(db, `select count(*) as n from flow_executions ${clause}`).get(...params) as {
          n: number;
        }
      ).n;
      const rows = cachedStatement(
        db,
        `select id, flow_id, status, trigger_type, error, started_at, finished_at, duration_ms, created_at
             from flow_executions ${clause} order by created_at desc, id desc limit ?`,
      ).all(...params, filter.limit) as Array<Record<string, unknown>>;
      return {
        total,
        rows: rows.map((row) => ({
          id: row.id as string,
          flowId: row.flow_id as string,
          status: row.status as ExecutionStatus,
          triggerType: row.trigger_type as string,
          error: row.error ? (JSON.parse(row.error as string) as QueryRun['error']) : null,
          startedAt: iso(row.started_at as number | null),
          finishedAt: iso(row.finished_at as number | null),
          durationMs: row.duration_ms as number | null,
          createdAt: iso(row.created_at as number)!,
        })),
      };
    },
    flowIdByName(name) {
      const row = cachedStatement(options.db(), 'select id from flows where name = ?').get(name) as
        { id: string } | undefined;
      return row?.id;
    },
    telemetry(nodeId, metric, { since, limit }) {
      const store = options.telemetry();
      if (!store) throw new Error('telemetry is not available in this server');
      return store.preview(nodeId, metric, { limit, ...(since && { since }) });
    },
  };
}

/** The reads of a step, failing clearly when the server was started without them. */
export function kinflowReads(context: StepContext<unknown>): KinflowReads {
  const reads = (context.services as { reads?: KinflowReads }).reads;
  if (!reads)
    throw new Error('Kinflow reads are not available in this server (EngineOptions.services.reads)');
  return reads;
}
