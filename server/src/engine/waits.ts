/** setTimeout cannot wait longer than this; longer waits re-arm in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * In-memory timers for durable waits. The wait itself lives in the database (status `waiting`,
 * resume_at); a timer is only armed after that state is committed, and start() re-arms from the table.
 */
export class WaitTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly now: () => number,
    private readonly due: (executionId: string) => void,
  ) {}

  arm(executionId: string, resumeAt: number): void {
    this.clear(executionId);
    const delay = Math.max(0, resumeAt - this.now());
    const timer =
      delay > MAX_TIMER_MS
        ? setTimeout(() => this.arm(executionId, resumeAt), MAX_TIMER_MS)
        : setTimeout(() => {
            this.timers.delete(executionId);
            this.due(executionId);
          }, delay);
    this.timers.set(executionId, timer);
  }

  clear(executionId: string): void {
    const timer = this.timers.get(executionId);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(executionId);
    }
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}
