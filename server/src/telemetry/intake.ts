import type { NodeDirectory } from './nodes.js';
import { METRIC_PATTERN, parseReadings, type NodeRef, type Reading, type Rejection } from './readings.js';
import type { TelemetryStore } from './store.js';

export interface IngestResult {
  /** Readings stored; the promise resolves only once they are committed to the database. */
  accepted: number;
  rejected: Rejection[];
  /** Nodes this batch created by auto-registration. */
  registered: NodeRef[];
}

/** A custom node event, e.g. MQTT kinflow/<node>/events/<name> or the API's postNodeEvent. */
export interface NodeEventInput {
  node: string;
  name: string;
  payload?: unknown;
}

export interface NodeEvent {
  node: NodeRef;
  name: string;
  payload: unknown;
  at: Date;
}

export type NodeEventResult =
  { ok: true; event: NodeEvent } | { ok: false; field: 'node' | 'name'; reason: string };

/**
 * The one entry point every telemetry door (GraphQL, REST, MQTT) calls, so validation, registration,
 * storage and inline trigger evaluation happen the same way whichever door a reading came in by.
 */
export interface TelemetrySink {
  ingest(batch: readonly unknown[]): Promise<IngestResult>;
  nodeEvent(input: NodeEventInput): Promise<NodeEventResult>;
}

/** A stored reading with its node, as trigger evaluation and liveness need it. */
export type NodeReading = Reading & { node: NodeRef };

export interface TelemetryIntakeOptions {
  store: TelemetryStore;
  nodes: NodeDirectory;
  autoRegister: boolean;
  clock?: () => Date;
  /** Larger batches are refused whole (a client bug, not data). Default 10 000. */
  maxBatch?: number;
  /** Listener failures; they never fail an ingest whose readings are already stored. */
  onError?: (error: unknown) => void;
}

/** A batch refused as a whole (not an array, too large); single bad readings are Rejections instead. */
export class TelemetryBatchError extends Error {
  readonly field = 'readings';
}

const EVENT_NAME = METRIC_PATTERN;

export class TelemetryIntake implements TelemetrySink {
  private readonly readingListeners = new Set<(readings: NodeReading[], seenAt: Date) => void>();
  private readonly eventListeners = new Set<(event: NodeEvent) => void>();
  private readonly registeredListeners = new Set<(node: NodeRef) => void>();
  private readonly clock: () => Date;

  constructor(private readonly options: TelemetryIntakeOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Called after readings are stored, in arrival order: inline sensor triggers, liveness. */
  onReadings(listener: (readings: NodeReading[], seenAt: Date) => void): () => void {
    this.readingListeners.add(listener);
    return () => this.readingListeners.delete(listener);
  }

  onNodeEvent(listener: (event: NodeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onRegistered(listener: (node: NodeRef) => void): () => void {
    this.registeredListeners.add(listener);
    return () => this.registeredListeners.delete(listener);
  }

  async ingest(batch: readonly unknown[]): Promise<IngestResult> {
    if (!Array.isArray(batch)) throw new TelemetryBatchError('readings must be an array');
    const maxBatch = this.options.maxBatch ?? 10_000;
    if (batch.length > maxBatch) {
      throw new TelemetryBatchError(`a batch holds at most ${maxBatch} readings (got ${batch.length})`);
    }
    await this.options.store.drained(); // back-pressure while the database is behind
    const now = this.clock();
    const { nodes, autoRegister } = this.options;
    const parsed = parseReadings(batch, { now, nodes, autoRegister });
    const rejected = [...parsed.rejected];
    const resolved = new Map<string, NodeRef>();
    const registered: NodeRef[] = [];
    const failed = new Map<string, string>();
    for (const name of parsed.newNodes) {
      try {
        const { node, created } = await nodes.register(name);
        resolved.set(name, node);
        if (created) registered.push(node);
      } catch (error) {
        failed.set(name, (error as Error).message);
      }
    }
    const stored: NodeReading[] = [];
    for (const reading of parsed.accepted) {
      const node = reading.node ?? resolved.get(reading.nodeName);
      if (!node) {
        const why = failed.get(reading.nodeName) ?? 'unknown';
        rejected.push({ index: reading.index, field: 'node', reason: `could not register node: ${why}` });
        continue;
      }
      stored.push({
        nodeId: node.id,
        node,
        metric: reading.metric,
        value: reading.value,
        recordedAt: reading.recordedAt,
      });
    }
    rejected.sort((a, b) => a.index - b.index);
    this.options.store.ingest(stored, now);
    // Taken before the listeners run, so it covers exactly this batch and whatever shares its turn.
    const committed = stored.length > 0 ? this.options.store.committed() : undefined;
    for (const node of registered) this.emit(this.registeredListeners, node);
    if (stored.length > 0)
      for (const listener of this.readingListeners) this.call(() => listener(stored, now));
    // "Accepted" means committed: a crash after this answer loses none of these readings.
    await committed;
    return { accepted: stored.length, rejected, registered };
  }

  async nodeEvent(input: NodeEventInput): Promise<NodeEventResult> {
    if (typeof input.name !== 'string' || !EVENT_NAME.test(input.name)) {
      return {
        ok: false,
        field: 'name',
        reason: 'event name must be 1-64 characters of letters, digits, "_", ".", ":" or "-"',
      };
    }
    let node = typeof input.node === 'string' ? this.options.nodes.find(input.node) : undefined;
    if (!node && this.options.autoRegister && typeof input.node === 'string' && input.node.trim() !== '') {
      const registration = await this.options.nodes.register(input.node.trim());
      node = registration.node;
      if (registration.created) this.emit(this.registeredListeners, node);
    }
    if (!node) return { ok: false, field: 'node', reason: `unknown node "${String(input.node)}"` };
    const event: NodeEvent = { node, name: input.name, payload: input.payload ?? null, at: this.clock() };
    this.emit(this.eventListeners, event);
    return { ok: true, event };
  }

  private emit<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) this.call(() => listener(value));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      (this.options.onError ?? ((e: unknown) => console.error('telemetry listener:', e)))(error);
    }
  }
}
