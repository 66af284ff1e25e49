import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from '../engine/sqlite.js';

/** What one PASSIVE checkpoint reported: WAL frames in the log and how many are now in the database. */
export interface CheckpointResult {
  log: number;
  checkpointed: number;
}

// Plain CommonJS for an eval worker: no loader or build step needed in dev, tests or production.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const run = () => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'stop') { clearInterval(timer); run(); db.close(); parentPort.close(); }
});
`;

/**
 * Moves SQLite's WAL checkpoints off the main thread. With the default auto-checkpoint, the commit
 * that pushes the WAL past 1,000 pages copies them into the database file itself, synchronously:
 * a 10–30 ms stall every second or two under telemetry load, which is what a trigger's p99 latency
 * paid. Here the main connection never checkpoints and a worker with its own connection runs PASSIVE
 * checkpoints (they never block writers) every `intervalMs`; the WAL is then reused from the start.
 * If the worker fails, automatic checkpoints are switched back on so the WAL cannot grow unbounded.
 * With `startAfterWalBytes`, the worker (its own V8 isolate, ~16 MB resident) starts only once the WAL
 * has grown that far, checked every `intervalMs`: an idle server never needs it.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private watch: NodeJS.Timeout | undefined;
  private stopped?: Promise<void>;
  private readonly listeners = new Set<(result: CheckpointResult) => void>();
  last: CheckpointResult | null = null;

  private constructor(
    private readonly db: SqliteDatabase,
    file: string,
    intervalMs: number,
    private readonly onError: (error: unknown) => void,
    startAfterWalBytes = 0,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    if (startAfterWalBytes <= 0) {
      this.startWorker(file, intervalMs);
      return;
    }
    const walSize = () => {
      try {
        return fs.statSync(`${file}-wal`).size;
      } catch {
        return 0;
      }
    };
    this.watch = setInterval(() => {
      if (walSize() < startAfterWalBytes) return;
      clearInterval(this.watch);
      this.watch = undefined;
      this.startWorker(file, intervalMs);
    }, intervalMs);
    this.watch.unref();
  }

  private startWorker(file: string, intervalMs: number): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs } });
    this.worker.unref();
    this.worker.on('message', (message: CheckpointResult | { error: string }) => {
      if ('error' in message) return this.fail(new Error(`WAL checkpoint: ${message.error}`));
      this.last = message;
      for (const listener of this.listeners) listener(message);
    });
    this.worker.on('error', (error) => this.fail(error));
  }

  /** Starts checkpointing `file`, which `db` (the main connection) has open in WAL mode. */
  static start(
    db: SqliteDatabase,
    file: string,
    options: { intervalMs?: number; onError?: (error: unknown) => void; startAfterWalBytes?: number } = {},
  ): WalCheckpointer {
    return new WalCheckpointer(
      db,
      file,
      options.intervalMs ?? 1000,
      options.onError ?? ((error) => console.error(error)),
      options.startAfterWalBytes,
    );
  }

  onCheckpoint(listener: (result: CheckpointResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a last checkpoint in the worker and ends it; the main connection checkpoints again itself. */
  stop(): Promise<void> {
    clearInterval(this.watch);
    const worker = this.worker;
    this.stopped ??= new Promise<void>((resolve) => {
      if (!worker) return resolve();
      worker.once('exit', () => resolve());
      worker.postMessage('stop');
      setTimeout(() => void worker.terminate(), 2000).unref();
    }).then(() => this.restoreAutoCheckpoint());
    return this.stopped;
  }

  private fail(error: unknown): void {
    this.onError(error);
    this.restoreAutoCheckpoint();
    void this.worker?.terminate();
  }

  private restoreAutoCheckpoint(): void {
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }
}
