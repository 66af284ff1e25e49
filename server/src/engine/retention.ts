import type { SqliteDatabase, SqliteStatement } from './sqlite.js';
import type { ExecutionStore } from './store.js';

const PRUNE_BATCH = 500;
/** Pruning waits this long after a run finishes, so a burst of runs is trimmed in a few big batches. */
const PRUNE_DELAY_MS = 200;
/** The WAL is truncated at most this often (and only after writes), so it cannot grow without bound. */
const CHECKPOINT_EVERY_MS = 10_000;

const FINISHED = `status in ('completed', 'failed', 'cancelled')`;
/** How far over its limit a flow may run before the background pass trims it (5 %, at least one). */
const slack = (max: number) => Math.max(1, Math.floor(max / 20));

/** What the pruner believes about one flow; `finished` may lag the database, never lead it for long. */
interface Tally {
  finished: number;
  max: number;
}

/**
 * Keeps at most `maxExecutions` finished runs per flow (active runs are never pruned) and keeps the
 * SQLite files bounded: freed pages are reused by later inserts, the WAL is truncated periodically,
 * and a database created with auto_vacuum = incremental gives its free pages back to the file system.
 *
 * Pruning works from a due list: a per-flow tally of finished runs, counted once and then kept up to
 * date, says which flows hold more than their limit, so a flow under its limit costs no pruning
 * statement, only one read of its limit per commit that ends any of its runs. In the background a flow is pruned once it is a few runs over (5 % of its limit, at least one),
 * so a steady stream is trimmed in batches; `drain()` (tests, stop) trims to the limit exactly. The
 * oldest runs go first, found through the (flow_id, created_at) index without an OFFSET scan.
 */
export class Retention {
  private readonly tallies = new Map<string, Tally>();
  private readonly due = new Set<string>();
  /** Runs finished per flow since the last settle(), which runs after the commit that ends them. */
  private readonly finishedSince = new Map<string, number>();
  private settling = false;
  private timer: NodeJS.Timeout | undefined;
  private lastCheckpoint = 0;
  private stopped = false;
  private readonly countFinished: SqliteStatement;
  private readonly pruneOldest: SqliteStatement;
  private readonly maxExecutions: SqliteStatement;
  private readonly incremental: boolean;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: ExecutionStore,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    this.countFinished = db.prepare(
      `select count(*) as n from flow_executions where flow_id = ? and ${FINISHED}`,
    );
    // Oldest first; rowid order breaks ties between runs created in the same ms.
    this.pruneOldest = db.prepare(
      `delete from flow_executions where id in (
        select id from flow_executions where flow_id = ? and ${FINISHED}
        order by created_at asc, rowid asc limit ?)`,
    );
    this.maxExecutions = db.prepare(`select max_executions from flows where id = ?`);
    this.incremental = Number(db.pragma('auto_vacuum', { simple: true })) === 2;
  }

  /**
   * A run of the flow finished (its end is in the next commit). The flow's limit is read once per
   * commit however many of its runs that commit ends, so a burst of runs costs one lookup, not one each.
   */
  noteFinished(flowId: string): void {
    this.finishedSince.set(flowId, (this.finishedSince.get(flowId) ?? 0) + 1);
    if (this.settling) return;
    this.settling = true;
    this.store.afterNextCommit(() => this.settle());
  }

  /** Brings the tallies up to date with the runs finished since the last call, and the limits with the database. */
  private settle(): void {
    this.settling = false;
    if (!this.db.open) return this.finishedSince.clear();
    for (const [flowId, finished] of this.finishedSince) {
      const tally = this.tallies.get(flowId);
      if (tally) {
        const flow = this.maxExecutions.get(flowId) as { max_executions: number } | undefined;
        if (!flow) {
          this.tallies.delete(flowId);
          continue;
        }
        tally.finished += finished;
        // The limit may have been edited since the last run: a lowered one applies now.
        tally.max = Math.max(0, flow.max_executions);
      }
      // A flow seen for the first time is counted from the database on the next pass.
      if (!tally || tally.finished > tally.max + slack(tally.max)) this.due.add(flowId);
    }
    this.finishedSince.clear();
    if (this.due.size) this.reschedule();
  }

  /** Prunes every flow on the due list; returns how many runs were deleted. */
  runOnce(exact = false): number {
    if (!this.db.open) return 0;
    if (this.db.inTransaction) {
      this.reschedule();
      return 0;
    }
    const flows = exact ? [...new Set([...this.due, ...this.tallies.keys()])] : [...this.due];
    this.due.clear();
    let deleted = 0;
    try {
      for (const flowId of flows) deleted += this.pruneFlow(flowId, exact);
      if (deleted > 0 && this.incremental) this.db.pragma('incremental_vacuum(1000)');
      const now = Date.now();
      if (deleted > 0 && now - this.lastCheckpoint > CHECKPOINT_EVERY_MS) this.checkpoint(now);
    } catch (error) {
      this.log('engine: pruning run history failed', error);
    }
    if (this.due.size) this.reschedule();
    return deleted;
  }

  private pruneFlow(flowId: string, exact: boolean): number {
    const flow = this.maxExecutions.get(flowId) as { max_executions: number } | undefined;
    if (!flow) {
      this.tallies.delete(flowId);
      return 0;
    }
    const max = Math.max(0, flow.max_executions);
    // Counting is what keeps the tally honest (cancelled queued runs, deleted runs, other writers).
    const finished = (this.countFinished.get(flowId) as { n: number }).n;
    const excess = finished - max;
    const removed =
      excess > 0 && (exact || excess > slack(max))
        ? this.pruneOldest.run(flowId, Math.min(excess, PRUNE_BATCH)).changes
        : 0;
    this.tallies.set(flowId, { finished: finished - removed, max });
    // A full batch means more may remain: come back on a later turn instead of blocking this one.
    if (removed === PRUNE_BATCH) this.due.add(flowId);
    return removed;
  }

  private reschedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Run right after a commit, when nothing is buffered that could refer to a pruned run.
      this.store.afterNextCommit(() => this.runOnce());
    }, PRUNE_DELAY_MS);
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

  /** Prunes every flow to its limit now (tests, stop()). */
  drain(): void {
    if (this.db.inTransaction) return;
    this.settle();
    this.runOnce(true);
    while (this.due.size) if (this.runOnce(true) === 0) break;
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
