import type { StepContext } from '../steps/step-type.js';
import { newId } from '../db/ids.js';
import type { SqliteDatabase } from '../engine/sqlite.js';

export interface Activity {
  id: string;
  type: string;
  person: string | null;
  room: string | null;
  confidence: number;
  metadata: Record<string, unknown>;
  occurredAt: Date;
  flowId: string | null;
  executionId: string | null;
  stepKey: string | null;
}

export type ActivityInput = Omit<Activity, 'id'>;

export interface ActivityFilter {
  types?: string[];
  person?: string;
  room?: string;
  since?: Date;
  until?: Date;
  minConfidence?: number;
}

interface Row {
  id: string;
  type: string;
  person: string | null;
  room: string | null;
  confidence: number;
  metadata: string;
  occurred_at: number;
  flow_id: string | null;
  execution_id: string | null;
  step_key: string | null;
}

const toActivity = (row: Row): Activity => ({
  id: row.id,
  type: row.type,
  person: row.person,
  room: row.room,
  confidence: row.confidence,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  occurredAt: new Date(row.occurred_at),
  flowId: row.flow_id,
  executionId: row.execution_id,
  stepKey: row.step_key,
});

/**
 * What people did (person_activities). Writes are synchronous on the engine's SQLite connection, so a
 * verification in the next step, or the next run, sees them at once.
 */
export class ActivityStore {
  constructor(private readonly db: SqliteDatabase) {}

  record(input: ActivityInput): Activity {
    const activity = { ...input, id: newId() };
    this.db
      .prepare(
        `insert into person_activities (id, type, person, room, confidence, metadata, occurred_at, flow_id,
           execution_id, step_key, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        activity.id,
        activity.type,
        activity.person,
        activity.room,
        activity.confidence,
        JSON.stringify(activity.metadata),
        activity.occurredAt.getTime(),
        // A flow deleted meanwhile must not lose the record.
        activity.flowId && this.db.prepare('select 1 from flows where id = ?').get(activity.flowId)
          ? activity.flowId
          : null,
        activity.executionId,
        activity.stepKey,
        Date.now(),
      );
    return activity;
  }

  /** Newest first. `person` and `room` match without regard to case. */
  list(filter: ActivityFilter, page: { limit: number; offset: number }): { rows: Activity[]; total: number } {
    const { where, params } = whereOf(filter);
    const total = (
      this.db.prepare(`select count(*) as n from person_activities ${where}`).get(...params) as {
        n: number;
      }
    ).n;
    const rows = this.db
      .prepare(`select * from person_activities ${where} order by occurred_at desc, id desc limit ? offset ?`)
      .all(...params, page.limit, page.offset) as Row[];
    return { rows: rows.map(toActivity), total };
  }
}

function whereOf(filter: ActivityFilter): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.types?.length) {
    clauses.push(`type in (${filter.types.map(() => '?').join(', ')})`);
    params.push(...filter.types);
  }
  if (filter.person) {
    clauses.push('lower(person) = lower(?)');
    params.push(filter.person);
  }
  if (filter.room) {
    clauses.push('lower(room) = lower(?)');
    params.push(filter.room);
  }
  if (filter.since) {
    clauses.push('occurred_at >= ?');
    params.push(filter.since.getTime());
  }
  if (filter.until) {
    clauses.push('occurred_at <= ?');
    params.push(filter.until.getTime());
  }
  if (filter.minConfidence !== undefined) {
    clauses.push('confidence >= ?');
    params.push(filter.minConfidence);
  }
  return { where: clauses.length ? `where ${clauses.join(' and ')}` : '', params };
}

/** How activity steps reach the store (`context.services.activities`); absent in a bare engine. */
export function activityStore(context: StepContext<unknown>): ActivityStore {
  const store = (context.services as { activities?: ActivityStore }).activities;
  if (!store) throw new Error('activities are not available in this server');
  return store;
}
