import { newId } from '../db/ids.js';
import type { SqliteDatabase, SqliteStatement } from '../engine/sqlite.js';
import type { StepTypeRegistry } from '../steps/registry.js';

export const TRIGGER_TYPES = ['sensor_value', 'node_event', 'schedule', 'webhook', 'ha_state'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** One enabled trigger step of one enabled flow, with its config after schema defaults. */
export interface TriggerStep {
  flowId: string;
  stepKey: string;
  type: TriggerType;
  config: Record<string, unknown>;
}

/**
 * Reads the trigger steps the runtime must watch: of every enabled flow, or of one flow (after a save).
 * A config that no longer parses (saved under older rules) is left out and reported, never guessed at.
 */
export function loadTriggerSteps(
  db: SqliteDatabase,
  registry: StepTypeRegistry,
  flowId?: string,
  onInvalid: (step: { flowId: string; stepKey: string }, message: string) => void = () => undefined,
): TriggerStep[] {
  const placeholders = TRIGGER_TYPES.map(() => '?').join(', ');
  const rows = db
    .prepare(
      `select s.flow_id, s.key, s.type, s.config from flow_steps s join flows f on f.id = s.flow_id
       where f.enabled = 1 and s.enabled = 1 and s.type in (${placeholders})
       ${flowId ? 'and s.flow_id = ?' : ''} order by s.flow_id, s.key`,
    )
    .all(...TRIGGER_TYPES, ...(flowId ? [flowId] : [])) as Array<{
    flow_id: string;
    key: string;
    type: TriggerType;
    config: string;
  }>;
  const steps: TriggerStep[] = [];
  for (const row of rows) {
    const parsed = registry.get(row.type)?.configSchema.safeParse(JSON.parse(row.config));
    if (!parsed?.success) {
      onInvalid({ flowId: row.flow_id, stepKey: row.key }, parsed?.error.message ?? 'unknown step type');
      continue;
    }
    steps.push({
      flowId: row.flow_id,
      stepKey: row.key,
      type: row.type,
      config: parsed.data as Record<string, unknown>,
    });
  }
  return steps;
}

/** Per-flow trigger state: last schedule runs, webhook token hashes. */
export interface TriggerState {
  get<T>(flowId: string, key: string): T | undefined;
  all<T>(prefix: string): Array<{ flowId: string; key: string; value: T }>;
  set(flowId: string, key: string, value: unknown, now: Date): void;
}

/** Trigger state kept per flow in flow_variables under `$…` keys (hidden from `vars`, deleted with the flow). */
export class TriggerStateStore implements TriggerState {
  // Prepared once: schedules write their state on every run.
  private readonly selectOne: SqliteStatement;
  private readonly upsert: SqliteStatement;

  constructor(private readonly db: SqliteDatabase) {
    this.selectOne = db.prepare('select value from flow_variables where scope = ? and key = ?');
    this.upsert = db.prepare(
      `insert into flow_variables (id, scope, flow_id, key, value, updated_at) values (?, ?, ?, ?, ?, ?)
       on conflict (scope, key) do update set value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  get<T>(flowId: string, key: string): T | undefined {
    const row = this.selectOne.get(flowId, key) as { value: string | null } | undefined;
    return row?.value ? (JSON.parse(row.value) as T) : undefined;
  }

  /** Every value whose key starts with `prefix`, over all flows. */
  all<T>(prefix: string): Array<{ flowId: string; key: string; value: T }> {
    const rows = this.db
      .prepare(`select scope, key, value from flow_variables where key like ? escape '\\'`)
      .all(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as Array<{
      scope: string;
      key: string;
      value: string | null;
    }>;
    return rows
      .filter((row) => row.value !== null)
      .map((row) => ({ flowId: row.scope, key: row.key, value: JSON.parse(row.value!) as T }));
  }

  /**
   * Writes outside any transaction the ORM may have open on the shared connection (that one could
   * still roll back and take this write with it), so it may land a turn later.
   */
  set(flowId: string, key: string, value: unknown, now: Date): void {
    if (this.db.inTransaction) {
      setImmediate(() => {
        try {
          this.set(flowId, key, value, now);
        } catch (error) {
          console.error('trigger state write failed:', error);
        }
      });
      return;
    }
    try {
      this.upsert.run(newId(), flowId, flowId, key, JSON.stringify(value), now.getTime());
    } catch (error) {
      // The flow was deleted meanwhile: its state went with it, which is what we want.
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw error;
    }
  }
}
