import { History } from './history.js';
import { buildPreview, type LatestValue, type MetricPreview } from './preview.js';
import type { Reading } from './readings.js';
import type { TelemetryPersistence } from './sqlite-persistence.js';

export interface TelemetryStoreOptions {
  /** Without persistence the store is memory only (tests, previews of a throwaway instance). */
  persistence?: TelemetryPersistence;
  clock?: () => Date;
  /** Samples kept per node and metric, in memory and in telemetry_samples. Default 500. */
  historyPerPair?: number;
  /** Samples older than this are not previewed and are pruned from the database. Default 24 h. */
  historyMaxAgeMs?: number;
  /** Write-behind cadence. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Flush early once this many readings wait. Default 2000. */
  flushMaxReadings?: number;
  /** Database pruning cadence. Default 60 s. */
  pruneIntervalMs?: number;
  /** Rows per pruning transaction, so pruning never holds the writer for long. Default 5000. */
  pruneBatchSize?: number;
  /**
   * Samples per write transaction. Writes are synchronous on the shared connection, so this bounds how
   * long one blocks the event loop (and so the latency of everything else); the store yields between
   * transactions. Default 200 (a few ms each).
   */
  rowsPerTransaction?: number;
  /**
   * While the database refuses writes, at most this many samples wait; beyond it the oldest samples
   * are dropped (latest values are always kept). Default 500 000.
   */
  maxPendingSamples?: number;
  /**
   * Backlog of unwritten samples beyond which `drained()` makes callers wait for the database, so a
   * sustained overload slows the senders down instead of piling up readings only memory holds.
   * Default 20 000 (a few seconds of a busy home; normal bursts never wait).
   */
  maxBacklog?: number;
  /** Background flush and prune failures; the readings stay queued and are retried. */
  onError?: (error: unknown) => void;
}

const SEP = '\u0000';
const keyOf = (nodeId: string, metric: string) => nodeId + SEP + metric;
const addTo = (index: Map<string, Set<string>>, name: string, key: string): void => {
  const keys = index.get(name);
  if (keys) keys.add(key);
  else index.set(name, new Set([key]));
};

interface Commit {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function newCommit(): Commit {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a waiter may never come (the timer's flush took them)
  return { promise, resolve, reject };
}

/**
 * Latest value and bounded recent history per node and metric, in memory, written behind to
 * telemetry_latest / telemetry_samples. `ingest` is synchronous and makes readings visible at once;
 * `committed()` resolves once they are in the database. Doors answer "accepted" only after
 * `committed()` (group commit: everything ingested within one turn of the event loop shares one flush).
 */
export class TelemetryStore {
  private readonly latestByKey = new Map<string, LatestValue>();
  private readonly histories = new Map<string, History>();
  private readonly keysByMetric = new Map<string, Set<string>>();
  /** Per node its pair keys, so node lookups and forgetNode do not scan every pair. */
  private readonly keysByNode = new Map<string, Set<string>>();
  private pendingSamples: Reading[] = [];
  private pendingLatest = new Set<string>();
  private pendingSeen = new Map<string, Date>();
  /** Pairs written since the last prune: only their database rows can have outgrown the ring. */
  private prunable = new Set<string>();
  /** Samples a running write has taken but not yet committed. */
  private writing = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private flushRequested = false;
  /** The commit the samples now pending will be part of; created by the first `committed()` call. */
  private nextCommit: Commit | null = null;
  private commitScheduled = false;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly clock: () => Date;
  private readonly perPair: number;
  private readonly maxAgeMs: number;

  private constructor(private readonly options: TelemetryStoreOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.perPair = options.historyPerPair ?? 500;
    this.maxAgeMs = options.historyMaxAgeMs ?? 24 * 3600_000;
  }

  /** Loads persisted latest values and history, then starts the flush and prune timers. */
  static async open(options: TelemetryStoreOptions = {}): Promise<TelemetryStore> {
    const store = new TelemetryStore(options);
    const persistence = options.persistence;
    if (persistence) {
      for (const r of await persistence.loadLatest()) store.setLatest(r);
      const since = new Date(store.clock().getTime() - store.maxAgeMs);
      for (const r of await persistence.loadHistory(since, store.perPair)) {
        // setLatest is a no-op when the latest row is newer, and covers a pair missing from telemetry_latest.
        store.historyOf(store.setLatest(r)).push(r.recordedAt.getTime(), r.value);
      }
      const flushEvery = options.flushIntervalMs ?? 1000;
      const pruneEvery = options.pruneIntervalMs ?? 60_000;
      store.timers.push(setInterval(() => void store.flush().catch(store.report), flushEvery));
      store.timers.push(setInterval(() => void store.prune().catch(store.report), pruneEvery));
      for (const timer of store.timers) timer.unref();
    }
    return store;
  }

  /** Records validated readings. `seenAt` (arrival time) feeds nodes.last_seen_at. */
  ingest(readings: readonly Reading[], seenAt: Date = this.clock()): void {
    if (this.closed) throw new Error('telemetry store is closed');
    for (const r of readings) {
      const key = this.setLatest(r);
      this.historyOf(key).push(r.recordedAt.getTime(), r.value);
      if (!this.options.persistence) continue;
      this.pendingLatest.add(key);
      this.pendingSamples.push(r);
      this.pendingSeen.set(r.nodeId, seenAt);
    }
    // One early flush at a time: it takes everything pending when it starts anyway.
    if (!this.flushRequested && this.pendingSamples.length >= (this.options.flushMaxReadings ?? 2000)) {
      this.flushRequested = true;
      void this.flush().catch(this.report);
    }
  }

  /**
   * Resolves once the write-behind backlog is at most `maxBacklog`, flushing meanwhile. Intakes await it
   * before accepting a batch: back-pressure for HTTP clients and the MQTT queue. Rejects when the
   * database refuses writes, so nothing more is acknowledged that could not be persisted.
   */
  async drained(): Promise<void> {
    const limit = this.options.maxBacklog ?? 20_000;
    while (this.options.persistence && !this.closed && this.backlog > limit) await this.flush();
  }

  /**
   * Resolves once everything ingested so far is committed to the database (at once without
   * persistence); rejects when that write fails (the readings stay queued and are retried, so a client
   * that retries may store a reading twice, never zero times). The flush starts on the next turn of the
   * event loop, so every caller of this turn shares it: one group commit, not one per request.
   */
  committed(): Promise<void> {
    if (!this.options.persistence) return Promise.resolve();
    this.nextCommit ??= newCommit();
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => {
        this.commitScheduled = false;
        void this.flush().catch(() => undefined); // the waiters get the error
      });
    }
    return this.nextCommit.promise;
  }

  /** A heartbeat without a reading (a node event): only nodes.last_seen_at / status are written. */
  seen(nodeId: string, at: Date = this.clock()): void {
    if (this.closed || !this.options.persistence) return;
    const previous = this.pendingSeen.get(nodeId);
    if (!previous || previous < at) this.pendingSeen.set(nodeId, at);
  }

  latest(nodeId: string, metric: string): LatestValue | undefined {
    return this.latestByKey.get(keyOf(nodeId, metric));
  }

  latestForNode(nodeId: string): LatestValue[] {
    return this.latestOf(this.keysByNode.get(nodeId));
  }

  /** Every node's latest value of a metric: seeds sensor triggers when a flow is saved. */
  latestForMetric(metric: string): LatestValue[] {
    return this.latestOf(this.keysByMetric.get(metric));
  }

  /** Metric names with at least one value, sorted: what a caregiver can pick for a trigger. */
  metrics(): string[] {
    return [...this.keysByMetric.keys()].sort();
  }

  get pendingCount(): number {
    return this.pendingSamples.length;
  }

  /** Samples not yet in the database: waiting, plus taken by a write that is still running. */
  get backlog(): number {
    return this.pendingSamples.length + this.writing;
  }

  /**
   * Recent values with min/max/avg for one node, or for every node when nodeId is null. `since` narrows
   * the window (the query step's windowMinutes); it never reaches further back than the history kept.
   */
  preview(
    nodeId: string | null,
    metric: string,
    options: { limit?: number; since?: Date } = {},
  ): MetricPreview {
    const keys = nodeId === null ? [...(this.keysByMetric.get(metric) ?? [])] : [keyOf(nodeId, metric)];
    const pairs = keys.map((key) => ({
      nodeId: key.slice(0, key.indexOf(SEP)),
      latest: this.latestByKey.get(key) ?? null,
      history: this.histories.get(key),
    }));
    const limit = Math.max(1, Math.min(options.limit ?? 100, this.perPair));
    const oldest = this.clock().getTime() - this.maxAgeMs;
    const since = Math.max(oldest, options.since?.getTime() ?? oldest);
    return buildPreview(metric, nodeId, pairs, { limit, since });
  }

  /** Drops a deleted node from memory (its rows go with the node by cascade). */
  forgetNode(nodeId: string): void {
    for (const key of this.keysByNode.get(nodeId) ?? []) {
      const metric = this.latestByKey.get(key)?.metric;
      this.latestByKey.delete(key);
      this.histories.delete(key);
      this.pendingLatest.delete(key);
      this.prunable.delete(key);
      if (metric !== undefined) this.keysByMetric.get(metric)?.delete(key);
    }
    this.keysByNode.delete(nodeId);
    this.pendingSamples = this.pendingSamples.filter((r) => r.nodeId !== nodeId);
    this.pendingSeen.delete(nodeId);
  }

  /** Persists everything ingested so far. Serialised with pruning, so calls never overlap. */
  flush(): Promise<void> {
    return this.enqueue(() => this.writePending());
  }

  /** Deletes samples beyond the per-pair bound and older than the max age, in small transactions. */
  prune(): Promise<void> {
    return this.enqueue(() => this.pruneNow());
  }

  /** Stops the timers and persists everything acknowledged. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.flush();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writePending(): Promise<void> {
    this.flushRequested = false;
    const persistence = this.options.persistence;
    const commit = this.nextCommit;
    this.nextCommit = null;
    if (!persistence || (this.pendingSamples.length === 0 && this.pendingSeen.size === 0)) {
      commit?.resolve();
      return;
    }
    const samples = this.pendingSamples;
    const latestKeys = this.pendingLatest;
    const seen = this.pendingSeen;
    this.pendingSamples = [];
    this.pendingLatest = new Set();
    this.pendingSeen = new Map();
    const chunk = Math.max(1, this.options.rowsPerTransaction ?? 200);
    let written = 0;
    this.writing = samples.length;
    try {
      // Samples in bounded transactions; latest values and last-seen times ride with the last one.
      while (samples.length - written > chunk) {
        const { droppedNodes } = await persistence.write({
          samples: samples.slice(written, written + chunk),
          latest: [],
          seen: [],
        });
        written += chunk;
        this.writing = samples.length - written;
        for (const nodeId of droppedNodes) this.forgetNode(nodeId);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const latest: Reading[] = [];
      for (const key of latestKeys) {
        const value = this.latestByKey.get(key);
        if (value) latest.push(value);
      }
      const { droppedNodes } = await persistence.write({
        samples: samples.slice(written),
        latest,
        seen: [...seen],
      });
      written = samples.length;
      for (const nodeId of droppedNodes) this.forgetNode(nodeId);
      for (const key of latestKeys) this.prunable.add(key);
      commit?.resolve();
    } catch (error) {
      commit?.reject(error);
      // Put back what was not written, in front of anything ingested meanwhile; the next flush retries.
      this.pendingSamples = samples.slice(written).concat(this.pendingSamples);
      const excess = this.pendingSamples.length - (this.options.maxPendingSamples ?? 500_000);
      if (excess > 0) {
        this.pendingSamples.splice(0, excess);
        this.report(new Error(`telemetry store: dropped ${excess} unwritten samples (database unavailable)`));
      }
      for (const key of latestKeys) this.pendingLatest.add(key);
      for (const [nodeId, at] of seen) if (!this.pendingSeen.has(nodeId)) this.pendingSeen.set(nodeId, at);
      throw error;
    } finally {
      this.writing = 0;
    }
  }

  private async pruneNow(): Promise<void> {
    const persistence = this.options.persistence;
    if (!persistence) return;
    const batch = this.options.pruneBatchSize ?? 5000;
    const cutoff = new Date(this.clock().getTime() - this.maxAgeMs);
    while ((await persistence.pruneOlderThan(cutoff, batch)) === batch) {
      await new Promise((resolve) => setImmediate(resolve)); // let readings and requests in between
    }
    const pairs: Array<{ nodeId: string; metric: string; before: Date }> = [];
    for (const key of this.prunable) {
      const history = this.histories.get(key);
      const latest = this.latestByKey.get(key);
      if (!history?.full || !latest) continue;
      pairs.push({ nodeId: latest.nodeId, metric: latest.metric, before: new Date(history.earliest()) });
    }
    this.prunable = new Set();
    const pairsPerTransaction = Math.max(1, Math.floor(batch / this.perPair));
    for (let offset = 0; offset < pairs.length; offset += pairsPerTransaction) {
      await persistence.prunePairs(pairs.slice(offset, offset + pairsPerTransaction));
    }
  }

  private setLatest(r: Reading): string {
    const key = keyOf(r.nodeId, r.metric);
    const current = this.latestByKey.get(key);
    if (!current) {
      addTo(this.keysByMetric, r.metric, key);
      addTo(this.keysByNode, r.nodeId, key);
    }
    // A reading that arrives late (older timestamp) belongs in history but must not become "latest".
    if (!current || r.recordedAt >= current.recordedAt) {
      this.latestByKey.set(key, {
        nodeId: r.nodeId,
        metric: r.metric,
        value: r.value,
        recordedAt: r.recordedAt,
      });
    }
    return key;
  }

  private latestOf(keys: Iterable<string> = []): LatestValue[] {
    const out: LatestValue[] = [];
    for (const key of keys) {
      const value = this.latestByKey.get(key);
      if (value) out.push(value);
    }
    return out;
  }

  private historyOf(key: string): History {
    let history = this.histories.get(key);
    if (!history) this.histories.set(key, (history = new History(this.perPair)));
    return history;
  }

  private readonly report = (error: unknown): void => {
    (this.options.onError ?? ((e: unknown) => console.error('telemetry store:', e)))(error);
  };
}
