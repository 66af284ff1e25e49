import { newId } from '../db/ids.js';
import type { Orm } from '../db/orm.js';
import { rawDatabase, type SqliteDatabase, type SqliteStatement } from '../engine/sqlite.js';
import type { Reading } from './readings.js';

/** Where the store writes behind; the SQLite implementation is below, PostgreSQL would be another. */
export interface TelemetryPersistence {
  loadLatest(): Promise<Reading[]>;
  /** Per node and metric the newest `perPair` samples recorded at or after `since`, oldest first. */
  loadHistory(since: Date, perPair: number): Promise<Reading[]>;
  /** One transaction: all or nothing. Rows of nodes that no longer exist are dropped, not retried. */
  write(batch: WriteBatch): Promise<{ droppedNodes: string[] }>;
  /** Deletes at most `limit` samples older than `cutoff`; returns how many. */
  pruneOlderThan(cutoff: Date, limit: number): Promise<number>;
  /** Deletes samples of each pair recorded before its `before` (the ring's earliest retained time). */
  prunePairs(pairs: ReadonlyArray<{ nodeId: string; metric: string; before: Date }>): Promise<number>;
}

export interface WriteBatch {
  samples: readonly Reading[];
  latest: readonly Reading[];
  /** When each node last reported, for nodes.last_seen_at. */
  seen: ReadonlyArray<readonly [nodeId: string, at: Date]>;
}

interface Row {
  node_id: string;
  metric: string;
  value: number;
  recorded_at: number | string;
}

const toMs = (value: number | string): number => (typeof value === 'number' ? value : Date.parse(value));
const toReading = (row: Row): Reading => ({
  nodeId: row.node_id,
  metric: row.metric,
  value: row.value,
  recordedAt: new Date(toMs(row.recorded_at)),
});

/**
 * Writes through the ORM's own better-sqlite3 connection, synchronously inside one transaction per
 * batch: the unit of work is far too slow for thousands of readings a second, and a synchronous
 * transaction cannot interleave with other writers on the shared connection. Dates are epoch ms, as
 * the ORM stores them in SQLite.
 */
export class SqliteTelemetryPersistence implements TelemetryPersistence {
  private readonly statements = new Map<string, SqliteStatement>();

  private constructor(private readonly db: SqliteDatabase) {}

  static async fromOrm(orm: Orm): Promise<SqliteTelemetryPersistence> {
    return new SqliteTelemetryPersistence(await rawDatabase(orm));
  }

  async loadLatest(): Promise<Reading[]> {
    const rows = this.statement('select node_id, metric, value, recorded_at from telemetry_latest').all();
    return (rows as Row[]).map(toReading);
  }

  async loadHistory(since: Date, perPair: number): Promise<Reading[]> {
    const rows = this.statement(
      `select node_id, metric, value, recorded_at from (
         select node_id, metric, value, recorded_at,
           row_number() over (partition by node_id, metric order by recorded_at desc) as rn
         from telemetry_samples where recorded_at >= ?)
       where rn <= ? order by node_id, metric, recorded_at`,
    ).all(since.getTime(), perPair);
    return (rows as Row[]).map(toReading);
  }

  async write(batch: WriteBatch): Promise<{ droppedNodes: string[] }> {
    await this.idle();
    try {
      this.writeNow(batch);
      return { droppedNodes: [] };
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw error;
      // A node was deleted while its readings waited; keep everyone else's.
      const gone = this.missingNodes(batch);
      const keep = (r: Reading) => !gone.has(r.nodeId);
      this.writeNow({
        samples: batch.samples.filter(keep),
        latest: batch.latest.filter(keep),
        seen: batch.seen.filter(([id]) => !gone.has(id)),
      });
      return { droppedNodes: [...gone] };
    }
  }

  async pruneOlderThan(cutoff: Date, limit: number): Promise<number> {
    await this.idle();
    return this.statement(
      'delete from telemetry_samples where rowid in (select rowid from telemetry_samples where recorded_at < ? limit ?)',
    ).run(cutoff.getTime(), limit).changes;
  }

  async prunePairs(pairs: ReadonlyArray<{ nodeId: string; metric: string; before: Date }>): Promise<number> {
    await this.idle();
    const statement = this.statement(
      'delete from telemetry_samples where node_id = ? and metric = ? and recorded_at < ?',
    );
    return this.db.transaction(() => {
      let deleted = 0;
      for (const pair of pairs)
        deleted += statement.run(pair.nodeId, pair.metric, pair.before.getTime()).changes;
      return deleted;
    })();
  }

  private writeNow(batch: WriteBatch): void {
    this.db.transaction(() => {
      this.insertRows(
        'insert into telemetry_samples (id, node_id, metric, value, recorded_at) values ',
        '',
        batch.samples,
      );
      // The guard keeps a late-arriving older reading from replacing a newer latest value.
      this.insertRows(
        'insert into telemetry_latest (id, node_id, metric, value, recorded_at) values ',
        ` on conflict (node_id, metric) do update set value = excluded.value, recorded_at = excluded.recorded_at
          where excluded.recorded_at >= telemetry_latest.recorded_at`,
        batch.latest,
      );
      // A node that reports is online, whatever a missed heartbeat made of it before.
      const touch = this.statement(
        `update nodes set last_seen_at = ?, status = 'online' where id = ? and (last_seen_at is null or last_seen_at < ?)`,
      );
      for (const [nodeId, at] of batch.seen) touch.run(at.getTime(), nodeId, at.getTime());
    })();
  }

  /**
   * One prepared single-row statement run per row. Measured on better-sqlite3 this beats multi-row
   * VALUES lists (100 rows per statement was ~15% slower: binding hundreds of spread arguments costs
   * more than the per-statement overhead it saves); the transaction is what makes it fast.
   */
  private insertRows(head: string, tail: string, rows: readonly Reading[]): void {
    if (rows.length === 0) return;
    const statement = this.statement(`${head}(?, ?, ?, ?, ?)${tail}`);
    for (const r of rows) statement.run(newId(), r.nodeId, r.metric, r.value, r.recordedAt.getTime());
  }

  private missingNodes(batch: WriteBatch): Set<string> {
    const ids = new Set([...batch.samples, ...batch.latest].map((r) => r.nodeId));
    for (const [id] of batch.seen) ids.add(id);
    const list = [...ids];
    const present = new Set<string>();
    for (let offset = 0; offset < list.length; offset += 500) {
      const chunk = list.slice(offset, offset + 500);
      const rows = this.db
        .prepare(`select id from nodes where id in (${chunk.map(() => '?').join(', ')})`)
        .all(...chunk) as Array<{ id: string }>;
      for (const row of rows) present.add(row.id);
    }
    return new Set(list.filter((id) => !present.has(id)));
  }

  /**
   * Another writer (the ORM's unit of work, a migration) may have a transaction open on the shared
   * connection between its awaits; our rows must not land inside it, where its rollback would take them.
   */
  private async idle(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.db.inTransaction) {
      if (Date.now() > deadline)
        throw new Error('telemetry: the database connection stayed in a transaction');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  private statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
