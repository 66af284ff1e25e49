import type { SqliteDatabase, SqliteStatement } from './sqlite.js';
import type { ExecutionStore } from './store.js';

const PRUNE_BATCH = 500;
/** Pruning waits this long after a run finishes, so a burst of runs is trimmed in a few big batches. */
const PRUNE_DELAY_MS = 200;
/** The WAL is truncated at most this often (and only after writes), so it cannot grow without bound. */
const CHECKPOINT_EVERY_MS = 10_000;

/**
 * Keeps at most `maxExecutions` finished runs per flow (active runs are never pruned) and keeps the
 * SQLite files bounded: freed pages are reused by later inserts, the WAL is truncated periodically,
 * and a database created with auto_vacuum = incremental gives its free pages back to the file system.
 */
export class Retention {
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastCheckpoint = 0;
  private stopped = false;
  private readonly prune: SqliteStatement;
  private readonly maxExecutions: SqliteStatement;
  private readonly incremental: boolean;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: ExecutionStore,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    // Oldest first beyond the newest `keep`; rowid order breaks ties between runs created in the same ms.
    this.prune = db.prepare(
      `delete from flow_executions where id in (
        select id from flow_executions where flow_id = ? and status in ('completed', 'failed', 'cancelled')
        order by created_at desc, rowid desc limit ? offset ?)`,
    );
    this.maxExecutions = db.prepare(`select max_executions from flows where id = ?`);
    this.incremental = Number(db.pragma('auto_vacuum', { simple: true })) === 2;
  }

  noteFinished(flowId: string): void {
    this.dirty.add(flowId);
    if (!this.timer && !this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        // Run right after a commit, when nothing is buffered that could refer to a pruned run.
        this.store.afterNextCommit(() => this.runOnce());
      }, PRUNE_DELAY_MS);
    }
  }

  /** Prunes every flow with new finished runs; returns how many runs were deleted. */
  runOnce(): number {
    if (!this.db.open) return 0;
    const flows = [...this.dirty];
    if (this.db.inTransaction) {
      for (const flowId of flows) this.noteFinished(flowId);
      return 0;
    }
    this.dirty.clear();
    let deleted = 0;
    try {
      for (const flowId of flows) {
        const flow = this.maxExecutions.get(flowId) as { max_executions: number } | undefined;
        if (!flow) continue;
        const removed = this.prune.run(flowId, PRUNE_BATCH, Math.max(0, flow.max_executions)).changes;
        deleted += removed;
        // A full batch means more may remain: come back on a later turn instead of blocking this one.
        if (removed === PRUNE_BATCH) this.noteFinished(flowId);
      }
      if (deleted > 0 && this.incremental) this.db.pragma('incremental_vacuum(1000)');
      const now = Date.now();
      if (deleted > 0 && now - this.lastCheckpoint > CHECKPOINT_EVERY_MS) this.checkpoint(now);
    } catch (error) {
      this.log('engine: pruning run history failed', error);
    }
    return deleted;
  }

  /** Truncates the WAL; called after pruning and at stop(). */
  checkpoint(now = Date.now()): void {
    if (this.db.inTransaction || !this.db.open || this.db.name === ':memory:') return;
    this.lastCheckpoint = now;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.log('engine: WAL checkpoint failed', error);
    }
  }

  /** Prunes everything now (tests, stop()). */
  drain(): void {
    while (this.dirty.size) if (this.runOnce() === 0 && this.db.inTransaction) break;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    this.stopped = false;
  }
}
