import type { RunMode } from '../db/entities/index.js';
import type { RunState } from './run-state.js';
import type { FlowRow, SqliteDatabase, SqliteStatement } from './sqlite.js';

/** Runs beyond a parallel flow's cap wait in memory up to this many; more are refused. */
export const PARALLEL_QUEUE_LIMIT = 1000;

export type Admission =
  | { action: 'start' }
  | { action: 'queue' }
  | { action: 'reject'; code: 'cooloff' | 'already_running' | 'queue_full'; message: string };

interface Slot {
  mode: RunMode;
  cap: number;
  active: Set<RunState>;
  queue: RunState[];
}

/**
 * Home Assistant-style run modes plus the flow cool-off. A run counts as active from admission until
 * it ends, including while it waits (a waiting run is still "running" to the person who wrote the flow).
 * - parallel: up to maxConcurrentRuns at once; extra runs queue (they were acknowledged, and a care
 *   alert must not vanish), up to PARALLEL_QUEUE_LIMIT.
 * - queued: one at a time; up to maxConcurrentRuns wait their turn, further ones are refused.
 * - single: while one is active, new runs are refused.
 * - cool-off: for cooloffMinutes after the last run that consumed it finished (or while such a run is
 *   still active), new runs are refused. Refused runs are recorded as `cancelled` with the reason in
 *   `error.code` (cooloff | already_running | queue_full), so "why didn't my flow run?" has an answer.
 */
export class AdmissionControl {
  private readonly slots = new Map<string, Slot>();
  private readonly lastCooloff = new Map<string, number>();
  private readonly lastCooloffSql: SqliteStatement;

  constructor(db: SqliteDatabase) {
    this.lastCooloffSql = db.prepare(
      `select max(finished_at) as at from flow_executions where flow_id = ? and cooloff_consumed = 1`,
    );
  }

  decide(flow: FlowRow, run: RunState, now: number, options: { ignoreCooloff?: boolean } = {}): Admission {
    const slot = this.slot(flow);
    const cooling = options.ignoreCooloff ? null : this.cooloffRefusal(flow, now);
    if (cooling) return { action: 'reject', code: 'cooloff', message: cooling };
    if (slot.mode === 'single' && slot.active.size > 0) {
      return {
        action: 'reject',
        code: 'already_running',
        message: `flow "${flow.name}" runs in single mode and is already running`,
      };
    }
    const limit = slot.mode === 'single' ? 1 : slot.mode === 'queued' ? 1 : slot.cap;
    if (slot.active.size < limit && slot.queue.length === 0) {
      slot.active.add(run);
      return { action: 'start' };
    }
    const queueLimit = slot.mode === 'queued' ? slot.cap : PARALLEL_QUEUE_LIMIT;
    if (slot.queue.length >= queueLimit) {
      return {
        action: 'reject',
        code: 'queue_full',
        message: `flow "${flow.name}" already has ${slot.queue.length} runs queued`,
      };
    }
    slot.queue.push(run);
    return { action: 'queue' };
  }

  /**
   * Why the flow refuses a run now because of its cool-off, or null. Checked at admission and again when
   * a queued run gets its turn: a run queued behind the one that consumed the cool-off must not fire.
   */
  cooloffRefusal(flow: FlowRow, now: number, except?: RunState): string | null {
    if (flow.cooloff_minutes <= 0) return null;
    const until = this.cooloffUntil(flow, this.slot(flow), except);
    if (until === null || until <= now) return null;
    const when = Number.isFinite(until)
      ? ` until ${new Date(until).toISOString()}`
      : ' (a run that consumed it is still active)';
    return `flow "${flow.name}" is cooling off${when}`;
  }

  /** A run found active in the database at start: it holds a slot without being admitted again. */
  restore(flow: FlowRow | undefined, run: RunState): void {
    (flow ? this.slot(flow) : this.slotById(run.flowId)).active.add(run);
  }

  /** A recovered pending run: start it if there is room, else queue it; never refused (it was acknowledged). */
  readmit(flow: FlowRow | undefined, run: RunState): boolean {
    const slot = flow ? this.slot(flow) : this.slotById(run.flowId);
    const limit = slot.mode === 'parallel' ? slot.cap : 1;
    if (slot.active.size < limit) {
      slot.active.add(run);
      return true;
    }
    slot.queue.push(run);
    return false;
  }

  /** Frees the run's slot and returns the queued runs that may start now. */
  release(run: RunState): RunState[] {
    const slot = this.slots.get(run.flowId);
    if (!slot) return [];
    slot.active.delete(run);
    if (run.cooloffConsumed && run.finishedAt !== null) {
      this.lastCooloff.set(
        run.flowId,
        Math.max(this.lastCooloff.get(run.flowId) ?? -Infinity, run.finishedAt),
      );
    }
    const limit = slot.mode === 'parallel' ? slot.cap : 1;
    const starting: RunState[] = [];
    while (slot.queue.length > 0 && slot.active.size < limit) {
      const next = slot.queue.shift()!;
      slot.active.add(next);
      starting.push(next);
    }
    return starting;
  }

  removeQueued(run: RunState): boolean {
    const queue = this.slots.get(run.flowId)?.queue;
    const at = queue?.indexOf(run) ?? -1;
    if (at < 0) return false;
    queue!.splice(at, 1);
    return true;
  }

  /** Runs still waiting for a slot (stop() leaves them pending in the database for the next start). */
  queued(): RunState[] {
    return [...this.slots.values()].flatMap((slot) => slot.queue);
  }

  clear(): void {
    this.slots.clear();
  }

  private cooloffUntil(flow: FlowRow, slot: Slot, except?: RunState): number | null {
    for (const run of slot.active) if (run.cooloffConsumed && run !== except) return Infinity;
    let last = this.lastCooloff.get(flow.id);
    if (last === undefined) {
      const row = this.lastCooloffSql.get(flow.id) as { at: number | null } | undefined;
      last = row?.at ?? -Infinity;
      this.lastCooloff.set(flow.id, last);
    }
    return Number.isFinite(last) ? last + flow.cooloff_minutes * 60_000 : null;
  }

  private slot(flow: FlowRow): Slot {
    const slot = this.slotById(flow.id);
    // Settings may change between runs without a version bump; the latest trigger's view wins.
    slot.mode = flow.run_mode;
    slot.cap = Math.max(1, flow.max_concurrent_runs);
    return slot;
  }

  private slotById(flowId: string): Slot {
    let slot = this.slots.get(flowId);
    if (!slot) {
      slot = { mode: 'parallel', cap: 10, active: new Set(), queue: [] };
      this.slots.set(flowId, slot);
    }
    return slot;
  }
}
