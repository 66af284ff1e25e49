/** setTimeout cannot wait longer than this; longer waits re-arm in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Where the engine's wait timers live: in this process (`WaitTimers`, the default) or in a shared
 * queue (BullMQ with `REDIS_URL`). The engine arms a wait only after it is committed and ends it with
 * a compare-and-set, so a timer that fires twice, late, or after its wait was ended changes nothing.
 */
export interface WaitScheduler {
  /** Calls the engine's `due(executionId, stepRowId)` at `resumeAt` (epoch ms), once. */
  arm(executionId: string, stepRowId: string, resumeAt: number): void;
  /** Clears one wait's timer, or every timer of the run. */
  clear(executionId: string, stepRowId?: string): void;
  /** The engine stops: no timer may call it any more. Waits stay in the database for the next start. */
  clearAll(): void;
}

/** Makes the engine's scheduler, given the callback a due wait must reach. */
export type WaitSchedulerFactory = (due: (executionId: string, stepRowId: string) => void) => WaitScheduler;

/**
 * In-memory timers for durable waits, one per parked step (a run may park several branches). The wait
 * itself lives in the database (waiting_for.waits, resume_at); a timer is only armed after that state
 * is committed, and start() re-arms from the table.
 */
export class WaitTimers implements WaitScheduler {
  private readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();

  constructor(
    private readonly now: () => number,
    private readonly due: (executionId: string, stepRowId: string) => void,
  ) {}

  arm(executionId: string, stepRowId: string, resumeAt: number): void {
    this.clear(executionId, stepRowId);
    const delay = Math.max(0, resumeAt - this.now());
    const timer =
      delay > MAX_TIMER_MS
        ? setTimeout(() => this.arm(executionId, stepRowId, resumeAt), MAX_TIMER_MS)
        : setTimeout(() => {
            this.remove(executionId, stepRowId);
            this.due(executionId, stepRowId);
          }, delay);
    let byRow = this.timers.get(executionId);
    if (!byRow) this.timers.set(executionId, (byRow = new Map()));
    byRow.set(stepRowId, timer);
  }

  /** Clears one wait's timer, or every timer of the run. */
  clear(executionId: string, stepRowId?: string): void {
    const byRow = this.timers.get(executionId);
    if (!byRow) return;
    for (const [row, timer] of byRow) {
      if (stepRowId !== undefined && row !== stepRowId) continue;
      clearTimeout(timer);
      byRow.delete(row);
    }
    if (byRow.size === 0) this.timers.delete(executionId);
  }

  clearAll(): void {
    for (const byRow of this.timers.values()) for (const timer of byRow.values()) clearTimeout(timer);
    this.timers.clear();
  }

  get size(): number {
    let size = 0;
    for (const byRow of this.timers.values()) size += byRow.size;
    return size;
  }

  private remove(executionId: string, stepRowId: string): void {
    const byRow = this.timers.get(executionId);
    byRow?.delete(stepRowId);
    if (byRow?.size === 0) this.timers.delete(executionId);
  }
}
